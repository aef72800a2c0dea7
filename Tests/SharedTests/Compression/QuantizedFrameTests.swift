import Foundation
import Testing
@testable import Shared

extension CompressionTests {
    @Suite struct QuantizedFrames {
        static func encode(_ values: [Float], _ form: WireCompression.Gradients, seed: UInt64 = 7) -> [UInt8] {
            var bytes = [UInt8](repeating: 0xAA, count: QuantizedFrame.byteCount(for: values.count, form))
            values.withUnsafeBufferPointer { source in
                bytes.withUnsafeMutableBytes { QuantizedFrame.encode(source, form, seed: seed, into: $0) }
            }
            return bytes
        }

        static func decode(_ bytes: [UInt8], count: Int, _ form: WireCompression.Gradients, frame: String = "g") throws -> [Float] {
            var values = [Float](repeating: 5, count: count)
            try values.withUnsafeMutableBufferPointer { try QuantizedFrame.decode(.bytes(bytes), form, into: $0, frame: frame) }
            return values
        }

        static func littleEndian(_ value: Float) -> [UInt8] { withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }

        /// Values on the grid k · step round to k whatever u is (⌊k + u⌋ = k for u in [0, 1)), so the bytes
        /// are known without the random stream.
        @Test func valuesOnTheGridEncodeToKnownBytes() throws {
            // int4, 3 values: the largest magnitude 1.75 gives step 0.25; codes 7, −2, 0; the odd count's
            // last high nibble stays 0.
            #expect(QuantizedFrame.byteCount(for: 3, .int4) == 4 + 2)
            #expect(Self.encode([1.75, -0.5, 0], .int4) == Self.littleEndian(0.25) + [0xE7, 0x00])
            #expect(try Self.decode(Self.littleEndian(0.25) + [0xE7, 0x00], count: 3, .int4) == [1.75, -0.5, 0])
            // int8, 2 values: step 2/127, codes −127 and 0.
            let step: Float = 2 / 127
            #expect(Self.encode([-2, 0], .int8) == Self.littleEndian(step) + [0x81, 0x00])
            #expect(try Self.decode(Self.littleEndian(step) + [0x81, 0x00], count: 2, .int8) == [-127 * step, 0])
            // 65 values make two blocks, each with its own step; a block of zeros has step 0.
            let values = (0..<64).map { _ in Float(0) } + [3.5]
            #expect(QuantizedFrame.byteCount(for: 65, .int4) == 8 + 33)
            let bytes = Self.encode(values, .int4)
            #expect(Array(bytes[0..<8]) == Self.littleEndian(0) + Self.littleEndian(0.5))
            #expect(Array(bytes[8...]) == [UInt8](repeating: 0, count: 32) + [0x07])
            #expect(try Self.decode(bytes, count: 65, .int4) == values)
        }

        @Test func everyValueLandsWithinOneStepAndTheStreamIsTheSeeds() throws {
            var generator = TestRandom(seed: 3)
            let values = (0..<1000).map { index in Float.random(in: -1...1, using: &generator) * (index % 97 == 0 ? 50 : 1) }
            for form in [WireCompression.Gradients.int8, .int4] {
                let bytes = Self.encode(values, form, seed: 11)
                let decoded = try Self.decode(bytes, count: values.count, form)
                let levels = Float(StochasticQuantization.levels(form))
                for block in 0..<StochasticQuantization.blockCount(values.count) {
                    let range = (block * 64)..<min(values.count, block * 64 + 64)
                    let step = range.map { abs(values[$0]) }.max()! / levels
                    for i in range { #expect(abs(decoded[i] - values[i]) < step * 1.0001, "\(form.name) value \(i)") }
                }
                #expect(Self.encode(values, form, seed: 11) == bytes, "the same seed rounds the same way")
                #expect(Self.encode(values, form, seed: 12) != bytes, "another seed rounds another way")
            }
            #expect(StochasticQuantization.seed(step: 1, batch: 2, shard: 3) != StochasticQuantization.seed(step: 2, batch: 1, shard: 3))
            #expect(StochasticQuantization.seed(step: 1, batch: 2, shard: 3) != StochasticQuantization.seed(step: 1, batch: 2, shard: 4))
        }

        /// E[decoded] = value: averaged over 4 000 streams, each value's mean lies within 5 standard errors
        /// (at most step / (2 √4000) each) of the value, for both forms.
        @Test func roundingIsUnbiased() throws {
            let values: [Float] = [1, 0.3, -0.71, 0.05, -0.001, 0.999, -0.5, 0.123]
            let trials = 4000
            for form in [WireCompression.Gradients.int8, .int4] {
                var sums = [Double](repeating: 0, count: values.count)
                for seed in 0..<UInt64(trials) {
                    for (i, value) in try Self.decode(Self.encode(values, form, seed: seed), count: values.count, form).enumerated() {
                        sums[i] += Double(value)
                    }
                }
                let step = 1 / Double(StochasticQuantization.levels(form))
                for (i, value) in values.enumerated() {
                    #expect(abs(sums[i] / Double(trials) - Double(value)) < 5 * step / (2 * Double(trials).squareRoot()), "\(form.name) value \(i)")
                }
            }
        }

        @Test func nonFiniteGradientsGiveANaNStepThatReceiversRefuse() {
            let bytes = Self.encode([1, .infinity, 2], .int8)
            do {
                _ = try Self.decode(bytes, count: 3, .int8)
                Issue.record("a NaN step was accepted")
            } catch let WireError.nonFinite(frame, index, value) {
                #expect(frame == "g (int8) steps" && index == 0 && value.isNaN)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }

        @Test func malformedFramesAreRefusedAndLeaveTheDestinationAlone() throws {
            let good = Self.littleEndian(0.25) + [0xE7, 0x00]
            let cases: [(bytes: [UInt8], form: WireCompression.Gradients, error: WireError)] = [
                (Array(good.dropLast()), .int4, .frameSize(frame: "g (int4)", expectedBytes: 6, actualBytes: 5)),
                (good + [0], .int4, .frameSize(frame: "g (int4)", expectedBytes: 6, actualBytes: 7)),
                (good, .int8, .frameSize(frame: "g (int8)", expectedBytes: 7, actualBytes: 6)),
                (Self.littleEndian(.infinity) + [0, 0], .int4, .nonFinite(frame: "g (int4) steps", index: 0, value: .infinity)),
                // A step whose largest code would decode past 2^101.
                (Self.littleEndian(0x1p99) + [0, 0], .int4, .tooLarge(frame: "g (int4) steps", index: 0, value: 0x1p99 * 7)),
                (Self.littleEndian(0.25) + [0x08, 0x00], .int4,
                 .valueOutOfRange(frame: "g (int4) codes", index: 0, value: 8, allowed: "nibbles of -7 to 7, and 0 after the last value")),
                (Self.littleEndian(0.25) + [0x87, 0x00], .int4,
                 .valueOutOfRange(frame: "g (int4) codes", index: 1, value: 0x87, allowed: "nibbles of -7 to 7, and 0 after the last value")),
                (Self.littleEndian(0.25) + [0x77, 0x10], .int4,
                 .valueOutOfRange(frame: "g (int4) codes", index: 3, value: 0x10, allowed: "nibbles of -7 to 7, and 0 after the last value")),
                (Self.littleEndian(0.25) + [0x7F, 0x80, 0x01], .int8, .valueOutOfRange(frame: "g (int8) codes", index: 1, value: -128, allowed: "-127 to 127")),
            ]
            for (bytes, form, error) in cases {
                var destination: [Float] = [5, 5, 5]
                #expect(throws: error) {
                    try destination.withUnsafeMutableBufferPointer { try QuantizedFrame.decode(.bytes(bytes), form, into: $0, frame: "g") }
                }
                #expect(destination == [5, 5, 5])
            }
        }

        @Test func addingDecodesIntoTheAccumulatorInIndexOrder() throws {
            let bytes = Self.littleEndian(0.25) + [0xE7, 0x00]
            try QuantizedFrame.validate(.bytes(bytes), count: 3, .int4, frame: "g")
            var accumulator: [Float] = [1, 1, 1]
            accumulator.withUnsafeMutableBufferPointer { QuantizedFrame.addValidated(.bytes(bytes), .int4, to: $0) }
            #expect(accumulator == [2.75, 0.5, 1])
        }
    }
}
