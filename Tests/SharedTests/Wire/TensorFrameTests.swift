import Foundation
import Testing
@testable import Shared

extension WireTests {
    @Suite struct TensorFrames {
        @Test func floatFramesMustHaveTheExpectedSize() {
            let payload = WireMessage.Payload.copying([Float](repeating: 1, count: 99))
            #expect(throws: WireError.frameSize(frame: "shard 3 gradient (float32)", expectedBytes: 400, actualBytes: 396)) {
                _ = try TensorFrame.floats(payload, expectedCount: 100, frame: "shard 3 gradient")
            }
            let odd = WireMessage.Payload.bytes([1, 2, 3, 4, 5])
            #expect(throws: WireError.frameSize(frame: "x (float32)", expectedBytes: 4, actualBytes: 5)) {
                _ = try TensorFrame.floats(odd, expectedCount: 1, frame: "x")
            }
        }

        @Test func nonFiniteFloatsAreRefusedNamingFrameAndIndex() throws {
            var values = (0..<1000).map { Float($0) * 0.25 - 7 }
            let view = try TensorFrame.floats(.copying(values), expectedCount: 1000, frame: "g")
            #expect(view.array == values)
            values[637] = .nan
            #expect(throws: WireError.self) { _ = try TensorFrame.floats(.copying(values), expectedCount: 1000, frame: "g") }
            do {
                _ = try TensorFrame.floats(.copying(values), expectedCount: 1000, frame: "shard 0 gradient")
            } catch let WireError.nonFinite(frame, index, value) {
                #expect(frame == "shard 0 gradient" && index == 637 && value.isNaN)
            }
            values[637] = 1
            values[999] = -.infinity
            #expect(throws: WireError.nonFinite(frame: "g", index: 999, value: -.infinity)) {
                _ = try TensorFrame.floats(.copying(values), expectedCount: 1000, frame: "g")
            }
            // The largest magnitude below 2^101 and subnormals pass; 2^101 and beyond are refused, so that no
            // step's sum of accepted values can overflow.
            let largest = Float(0x1p101).nextDown
            let edge: [Float] = [largest, -largest, .leastNonzeroMagnitude, -0.0]
            #expect(try TensorFrame.floats(.copying(edge), expectedCount: 4, frame: "e").array == edge)
            #expect(throws: WireError.tooLarge(frame: "e", index: 2, value: -0x1p101)) {
                _ = try TensorFrame.floats(.copying([1, 2, -0x1p101, .nan] as [Float]), expectedCount: 4, frame: "e")
            }
            #expect(throws: WireError.tooLarge(frame: "e", index: 0, value: Double(Float.greatestFiniteMagnitude))) {
                _ = try TensorFrame.floats(.copying([Float.greatestFiniteMagnitude]), expectedCount: 1, frame: "e")
            }
            #expect(throws: WireError.nonFinite(frame: "r", index: 1, value: .infinity)) {
                _ = try TensorFrame.doubles(.copying([1.0, .infinity]), expectedCount: 2, frame: "r")
            }
        }

        @Test func flagFramesAcceptOnlyZeroAndOne() throws {
            #expect(try TensorFrame.flags(.bytes([0, 1, 1, 0]), expectedCount: 4, frame: "loss mask").array == [0, 1, 1, 0])
            #expect(throws: WireError.valueOutOfRange(frame: "loss mask", index: 2, value: 2, allowed: "0 or 1")) {
                _ = try TensorFrame.flags(.bytes([0, 1, 2, 0]), expectedCount: 4, frame: "loss mask")
            }
        }

        @Test func tokenIDsMustLieInTheVocabulary() throws {
            #expect(try TensorFrame.int32s(.copying([Int32]([0, 49, 7])), expectedCount: 3, frame: "ids", allowed: 0..<50).array == [0, 49, 7])
            #expect(throws: WireError.valueOutOfRange(frame: "ids", index: 1, value: 50, allowed: "0 to 49")) {
                _ = try TensorFrame.int32s(.copying([Int32]([0, 50])), expectedCount: 2, frame: "ids", allowed: 0..<50)
            }
            #expect(throws: WireError.valueOutOfRange(frame: "ids", index: 0, value: -1, allowed: "0 to 49")) {
                _ = try TensorFrame.int32s(.copying([Int32]([-1])), expectedCount: 1, frame: "ids", allowed: 0..<50)
            }
        }

        @Test func misalignedFramesAreCopiedAndAlignedOnesReadInPlace() throws {
            let values: [Float] = [1.5, -2.25, 3e-3, 4e7]
            let raw = UnsafeMutableRawPointer.allocate(byteCount: 17, alignment: 16)
            defer { raw.deallocate() }
            values.withUnsafeBytes { (raw + 1).copyMemory(from: $0.baseAddress!, byteCount: 16) }
            let owner = NSObject()
            let misaligned = try TensorFrame.floats(
                .region(ZeroCopyRegion(pointer: raw + 1, byteCount: 16, owner: owner)), expectedCount: 4, frame: "m")
            #expect(!misaligned.isInPlace)
            #expect(misaligned.array == values)
            values.withUnsafeBytes { raw.copyMemory(from: $0.baseAddress!, byteCount: 16) }
            let aligned = try TensorFrame.floats(.region(ZeroCopyRegion(pointer: raw, byteCount: 16, owner: owner)), expectedCount: 4, frame: "a")
            #expect(aligned.isInPlace)
            #expect(aligned[3] == 4e7)
        }

        @Test func leasePayloadChecksEveryFrameAgainstTheHeader() throws {
            let lease = Wire.Lease(
                leaseID: 1, batchID: 2, epoch: 0, step: 0, leaseMilliseconds: 1000, kind: .gradient, parameterSet: .policy,
                shardVersions: [0], pairs: 1, normalizer: 1, sequenceLengths: [3, 2])
            func message(ids: [Int32] = [5, 6, 7, 5, 9], mask: [UInt8] = [0, 1, 1, 0, 1], labels: [UInt8] = [1, 0],
                         reference: [Double]? = [-3.5, -4.25]) -> WireMessage {
                WireMessage(.lease(lease), runID: "r", frames: LeasePayload.frames(
                    tokenIDs: ids, lossMask: mask, safetyLabels: labels, referenceLogProbs: reference))
            }
            let payload = try LeasePayload(validating: message(), lease: lease, vocabularySize: 10)
            #expect(payload.tokenIDs.array == [5, 6, 7, 5, 9])
            #expect(payload.referenceLogProbs?.array == [-3.5, -4.25])
            #expect(throws: WireError.frameCount(message: "Lease", expected: 4, actual: 3)) {
                _ = try LeasePayload(validating: message(reference: nil), lease: lease, vocabularySize: 10)
            }
            #expect(throws: WireError.valueOutOfRange(frame: "token ids", index: 4, value: 10, allowed: "0 to 9")) {
                _ = try LeasePayload(validating: message(ids: [5, 6, 7, 5, 10]), lease: lease, vocabularySize: 10)
            }
            #expect(throws: WireError.valueOutOfRange(frame: "safety labels", index: 0, value: 2, allowed: "0 or 1")) {
                _ = try LeasePayload(validating: message(labels: [2, 0]), lease: lease, vocabularySize: 10)
            }
            #expect(throws: WireError.valueOutOfRange(frame: "loss mask", index: 3, value: 1,
                                                      allowed: "0 at the first token of a sequence (sequence 1)")) {
                _ = try LeasePayload(validating: message(mask: [0, 1, 1, 1, 1]), lease: lease, vocabularySize: 10)
            }
            #expect(throws: WireError.frameSize(frame: "loss mask (uint8)", expectedBytes: 5, actualBytes: 4)) {
                _ = try LeasePayload(validating: message(mask: [0, 1, 1, 0]), lease: lease, vocabularySize: 10)
            }
            #expect(throws: WireError.nonFinite(frame: "reference log-probs", index: 1, value: -.infinity)) {
                _ = try LeasePayload(validating: message(reference: [-1, -.infinity]), lease: lease, vocabularySize: 10)
            }
        }
    }
}
