import Testing
@testable import Shared

extension CompressionTests {
    @Suite struct XorDeltas {
        func bytes(_ payload: WireMessage.Payload) -> [UInt8] { payload.withUnsafeBytes { Array($0) } }
        /// The frame's last 8 bytes: the new version's digest, little-endian.
        func digest(_ values: [Float]) -> [UInt8] {
            withUnsafeBytes(of: values.withUnsafeBufferPointer { XorDeltaFrame.digest($0) }.littleEndian) { Array($0) }
        }

        /// An AdamW-sized step (about 1e-4 on weights of about 0.02) reproduces the new bits exactly, in
        /// well under the four bytes a parameter that fp32 costs.
        @Test func aSmallStepTravelsExactlyInAboutHalfTheBytes() throws {
            var rng = TestRandom(seed: 41)
            let count = 10_001
            let previous = (0..<count).map { _ in Float.random(in: -0.05...0.05, using: &rng) }
            var current = previous.map { $0 + Float.random(in: -1e-4...1e-4, using: &rng) }
            current[17] = -current[17]  // a sign flip
            current[99] = 0
            current[100] = -0.0
            let payload = previous.withUnsafeBufferPointer { p in current.withUnsafeBufferPointer { XorDeltaFrame.payload(from: p, to: $0) } }
            var copy = previous
            try copy.withUnsafeMutableBufferPointer { try XorDeltaFrame.apply(payload, to: $0, frame: "d") }
            #expect(copy.map(\.bitPattern) == current.map(\.bitPattern))
            let perParameter = Double(payload.byteCount) / Double(count)
            #expect(perParameter < 2.9, "\(perParameter) bytes a parameter")
            // The two low planes go whole, the high ones as bitmaps and their few nonzero bytes.
            #expect(Array(bytes(payload).prefix(4)) == [1, 1, 2, 2])
        }

        @Test func eachPlaneTakesItsSmallestForm() throws {
            let previous: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
            // Unchanged: every plane is zero, the frame is its four kind bytes.
            let same = previous.withUnsafeBufferPointer { XorDeltaFrame.payload(from: $0, to: $0) }
            #expect(bytes(same) == [0, 0, 0, 0] + digest(previous))
            // One value's lowest mantissa bit: plane 0 as a bitmap (2 bytes for 9 values) and one byte.
            var current = previous
            current[8] = Float(bitPattern: current[8].bitPattern ^ 1)
            let one = previous.withUnsafeBufferPointer { p in current.withUnsafeBufferPointer { XorDeltaFrame.payload(from: p, to: $0) } }
            #expect(bytes(one) == [2, 0, 0, 0, 0b0000_0000, 0b0000_0001, 1] + digest(current))
            var copy = previous
            try copy.withUnsafeMutableBufferPointer { try XorDeltaFrame.apply(one, to: $0, frame: "d") }
            #expect(copy == current)
        }

        @Test func malformedFramesAreRefusedAndTheCopyIsUntouched() throws {
            let held: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
            let cases: [([UInt8], WireError, String)] = [
                ([0, 0, 0], .frameSize(frame: "d (xor delta)", expectedBytes: 4, actualBytes: 3), "no kind bytes"),
                ([3, 0, 0, 0], .valueOutOfRange(frame: "d plane kinds", index: 0, value: 3, allowed: "0 to 2"), "an unknown kind"),
                ([1, 0, 0, 0, 1, 2], .frameSize(frame: "d (xor delta)", expectedBytes: 13, actualBytes: 6), "a short raw plane"),
                ([0, 0, 0, 0] + digest(held) + [7], .frameSize(frame: "d (xor delta)", expectedBytes: 12, actualBytes: 13), "trailing bytes"),
                ([0, 0, 0, 0] + digest(held).prefix(7), .frameSize(frame: "d (xor delta)", expectedBytes: 12, actualBytes: 11), "a short digest"),
                ([2, 0, 0, 0, 0b11, 0, 1], .frameSize(frame: "d (xor delta)", expectedBytes: 8, actualBytes: 7), "fewer values than set bits"),
                ([2, 0, 0, 0, 0, 0b10, 1], .valueOutOfRange(frame: "d plane 0 bitmap", index: 1, value: 2, allowed: "no bit past the shard's 9 values"),
                 "a bit past the end"),
                // Sets the top exponent bits of value 0: the result is not finite, so the frame is undone.
                ([0, 0, 0, 2, 1, 0, 0x40] + digest(held), .nonFinite(frame: "d (after the xor delta)", index: 0, value: .infinity),
                 "a result that is not usable"),
                // A delta made for another copy: its result is not the version it names.
                ([2, 0, 0, 0, 0, 1, 1] + digest(held), .deltaBaseMismatch(frame: "d"), "another base"),
            ]
            for (frame, error, what) in cases {
                var copy = held
                #expect(throws: error, "\(what)") { try copy.withUnsafeMutableBufferPointer { try XorDeltaFrame.apply(.bytes(frame), to: $0, frame: "d") } }
                #expect(copy == held, "\(what)")
            }
        }
    }
}

extension CompressionTests.XorDeltas {
    /// The vector kernels (AVX2, AVX-512, where this CPU has them) write the Swift loops' bytes and apply
    /// them to the same bits: 1 001 values (vector bodies and scalar tails), with every plane form among
    /// the three deltas (a tiny step: sparse high planes; sign flips everywhere: a raw top plane; no change).
    @Test(arguments: VectorUnit.available.filter { $0 != .baseline })
    func vectorKernelsWriteAndApplyTheSwiftLoopsBytes(unit: VectorUnit) throws {
        var rng = TestRandom(seed: 43)
        let previous = (0..<1001).map { _ in Float.random(in: -0.05...0.05, using: &rng) }
        let deltas: [(String, [Float])] = [
            ("a small step", previous.map { $0 + Float.random(in: -1e-4...1e-4, using: &rng) }),
            ("sign flips", previous.map { -$0 }),
            ("no change", previous),
        ]
        for (what, current) in deltas {
            let frames = [VectorUnit.baseline, unit].map { used in
                previous.withUnsafeBufferPointer { p in current.withUnsafeBufferPointer { XorDeltaFrame.payload(from: p, to: $0, unit: used) } }
            }
            #expect(bytes(frames[0]) == bytes(frames[1]), "\(what)")
            for used in [VectorUnit.baseline, unit] {
                var copy = previous
                try copy.withUnsafeMutableBufferPointer { try XorDeltaFrame.apply(frames[1], to: $0, frame: "d", unit: used) }
                #expect(copy.map(\.bitPattern) == current.map(\.bitPattern), "\(what), applied on \(used)")
            }
        }
        let empty = [Float]().withUnsafeBufferPointer { XorDeltaFrame.payload(from: $0, to: $0, unit: unit) }
        #expect(bytes(empty) == [0, 0, 0, 0] + digest([]), "an empty shard")
    }
}
