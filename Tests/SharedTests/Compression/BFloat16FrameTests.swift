import Foundation
import Testing
@testable import Shared

extension CompressionTests {
    @Suite struct BFloat16Frames {
        /// A frame holding these bfloat16 patterns.
        static func frame(_ bits: [UInt16]) -> WireMessage.Payload { .bytes(bits.withUnsafeBytes { Array($0) }) }

        @Test func framesRoundTripThroughEncodeAndDecode() throws {
            let values: [Float] = [1, -2, 0.1, 0x1.8p-130, -0.0, 65504, 1.00390625, 1e20]
            let payload = values.withUnsafeBufferPointer { BFloat16Frame.payload(encoding: $0) }
            #expect(payload.byteCount == 16 && BFloat16Frame.byteCount(for: values.count) == 16)
            var decoded = [Float](repeating: 7, count: values.count)
            try decoded.withUnsafeMutableBufferPointer { try BFloat16Frame.decode(payload, into: $0, frame: "p") }
            // 0.1 → 0.10009765625; 65504 is past the midpoint to 65536; 1 + 2^-8 is a tie between 1 and
            // 1 + 2^-7 and goes to the even 1.
            let expectedBits: [UInt16] = [0x3F80, 0xC000, 0x3DCD, 0x000C, 0x8000, 0x4780, 0x3F80, 0x60AD]
            let expected = expectedBits.map { HalfPrecision.float(fromBFloat16Bits: $0) }
            #expect(decoded.map(\.bitPattern) == expected.map(\.bitPattern))
            #expect(decoded[2] == 0.10009765625 && decoded[5] == 65536 && decoded[6] == 1)

            var accumulator: [Float] = [1, 1, 1, 1, 1, 1, 1, 1]
            try accumulator.withUnsafeMutableBufferPointer { try BFloat16Frame.addDecoded(payload, to: $0, frame: "p") }
            #expect(accumulator == expected.map { 1 + $0 })
        }

        @Test func framesOfTheWrongSizeAreRefusedAndLeaveTheDestinationAlone() {
            var destination: [Float] = [5, 5, 5, 5]
            for bytes in [[UInt8](repeating: 0, count: 6), [UInt8](repeating: 0, count: 9), []] {
                #expect(throws: WireError.frameSize(frame: "shard 2 gradient (bfloat16)", expectedBytes: 8, actualBytes: bytes.count)) {
                    try destination.withUnsafeMutableBufferPointer {
                        try BFloat16Frame.addDecoded(.bytes(bytes), to: $0, frame: "shard 2 gradient")
                    }
                }
                #expect(throws: WireError.frameSize(frame: "shard 2 parameters (bfloat16)", expectedBytes: 8, actualBytes: bytes.count)) {
                    try destination.withUnsafeMutableBufferPointer {
                        try BFloat16Frame.decode(.bytes(bytes), into: $0, frame: "shard 2 parameters")
                    }
                }
            }
            #expect(destination == [5, 5, 5, 5])
        }

        @Test func nonFiniteValuesAreRefusedNamingTheFirstIndex() throws {
            var destination: [Float] = [5, 5, 5, 5]
            let infinite = Self.frame([0x3F80, 0x3F80, 0xFF80, 0x7FC0])
            #expect(throws: WireError.nonFinite(frame: "g", index: 2, value: -.infinity)) {
                try destination.withUnsafeMutableBufferPointer { try BFloat16Frame.addDecoded(infinite, to: $0, frame: "g") }
            }
            do {
                try destination.withUnsafeMutableBufferPointer {
                    try BFloat16Frame.decode(Self.frame([0x3F80, 0x3F80, 0x3F80, 0x7F81]), into: $0, frame: "g")
                }
                Issue.record("a NaN was accepted")
            } catch let WireError.nonFinite(frame, index, value) {
                #expect(frame == "g" && index == 3 && value.isNaN)
            }
            #expect(destination == [5, 5, 5, 5])
            // The largest magnitude below 2^101 and the smallest subnormal pass; 2^101 and bfloat16's largest
            // finite value are refused, so that no step's sum of gradients can overflow.
            try destination.withUnsafeMutableBufferPointer {
                try BFloat16Frame.decode(Self.frame([0x71FF, 0xF1FF, 0x0001, 0x8000]), into: $0, frame: "g")
            }
            #expect(destination.map(\.bitPattern) == [0x71FF_0000, 0xF1FF_0000, 0x0001_0000, 0x8000_0000])
            #expect(throws: WireError.tooLarge(frame: "g", index: 1, value: -0x1p101)) {
                try destination.withUnsafeMutableBufferPointer { try BFloat16Frame.addDecoded(Self.frame([0x3F80, 0xF200, 0x3F80, 0x3F80]), to: $0, frame: "g") }
            }
            #expect(throws: WireError.tooLarge(frame: "g", index: 0, value: Double(Float(bitPattern: 0x7F7F_0000)))) {
                try destination.withUnsafeMutableBufferPointer { try BFloat16Frame.decode(Self.frame([0x7F7F, 0, 0, 0]), into: $0, frame: "g") }
            }
        }

        @Test func framesAtAnOddAddressAreReadValueByValue() throws {
            let bits: [UInt16] = [0x3F80, 0xC000, 0x3DCD, 0x0001, 0x71FF]
            let raw = UnsafeMutableRawPointer.allocate(byteCount: 11, alignment: 16)
            defer { raw.deallocate() }
            bits.withUnsafeBytes { (raw + 1).copyMemory(from: $0.baseAddress!, byteCount: 10) }
            let misaligned = WireMessage.Payload.region(ZeroCopyRegion(pointer: raw + 1, byteCount: 10, owner: NSObject()))
            var decoded = [Float](repeating: 0, count: 5)
            try decoded.withUnsafeMutableBufferPointer { try BFloat16Frame.decode(misaligned, into: $0, frame: "m") }
            #expect(decoded.map(\.bitPattern) == bits.map { UInt32($0) << 16 })
            var accumulator: [Float] = [1, 1, 1, 1, 1]
            try accumulator.withUnsafeMutableBufferPointer { try BFloat16Frame.addDecoded(misaligned, to: $0, frame: "m") }
            #expect(accumulator == decoded.map { 1 + $0 })
            (raw + 1).storeBytes(of: 0x7F80, toByteOffset: 6, as: UInt16.self)
            #expect(throws: WireError.nonFinite(frame: "m", index: 3, value: .infinity)) {
                try accumulator.withUnsafeMutableBufferPointer { try BFloat16Frame.addDecoded(misaligned, to: $0, frame: "m") }
            }
        }
    }
}
