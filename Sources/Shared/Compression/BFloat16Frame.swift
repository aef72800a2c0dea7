/// A payload frame of `count` bfloat16 values (2 bytes each, little-endian): how parameters travel under
/// `compression: bf16` and gradients under `bf16` and `topk`. Sending encodes once into the frame;
/// receiving checks the frame against the count the header implies, and refuses non-finite values,
/// before a single value reaches the destination.
public enum BFloat16Frame {
    /// The byte count of a frame holding `count` values.
    public static func byteCount(for count: Int) -> Int { count * MemoryLayout<UInt16>.stride }

    /// Encodes `values` into `bytes`, which the caller owns and which must hold exactly
    /// `byteCount(for: values.count)` bytes, aligned for `UInt16`.
    public static func encode(_ values: UnsafeBufferPointer<Float>, into bytes: UnsafeMutableRawBufferPointer) {
        precondition(bytes.count == byteCount(for: values.count), "a bfloat16 frame of \(values.count) values has \(byteCount(for: values.count)) bytes")
        guard !values.isEmpty else { return }
        precondition(isAligned(UnsafeRawBufferPointer(bytes)), "bfloat16 frames are encoded into memory aligned for UInt16")
        bytes.withMemoryRebound(to: UInt16.self) { BFloat16Codec.encode(values, into: $0) }
    }

    /// A frame holding `values` as bfloat16: one allocation, the frame's own bytes.
    public static func payload(encoding values: UnsafeBufferPointer<Float>) -> WireMessage.Payload {
        let bytes = [UInt8](unsafeUninitializedCapacity: byteCount(for: values.count)) { buffer, initialized in
            encode(values, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = buffer.count
        }
        return .bytes(bytes)
    }

    /// Decodes a received frame into `destination`, which it must fill exactly.
    /// - Throws: `WireError.frameSize` (frame named "`frame` (bfloat16)"), `.nonFinite`, `.tooLarge`; `destination` is
    ///   untouched when it throws.
    public static func decode(_ payload: WireMessage.Payload, into destination: UnsafeMutableBufferPointer<Float>, frame: String) throws {
        try payload.withUnsafeBytes { raw in
            try validate(raw, count: destination.count, frame: frame)
            guard !destination.isEmpty else { return }
            if isAligned(raw) {
                raw.withMemoryRebound(to: UInt16.self) { BFloat16Codec.decode($0, into: destination) }
            } else {
                for i in 0..<destination.count { destination[i] = float(raw, at: i) }
            }
        }
    }

    /// Adds a received frame's values into `accumulator` (`accumulator[i] += value[i]`, in index order).
    /// - Throws: `WireError.frameSize` (frame named "`frame` (bfloat16)"), `.nonFinite`, `.tooLarge`; `accumulator` is
    ///   untouched when it throws.
    public static func addDecoded(_ payload: WireMessage.Payload, to accumulator: UnsafeMutableBufferPointer<Float>, frame: String) throws {
        try validate(payload, count: accumulator.count, frame: frame)
        addValidated(payload, to: accumulator)
    }

    /// `addDecoded` for a frame that `validate` already accepted with `accumulator.count` values (a push a
    /// server held), without a second pass over it.
    public static func addValidated(_ payload: WireMessage.Payload, to accumulator: UnsafeMutableBufferPointer<Float>) {
        payload.withUnsafeBytes { raw in
            precondition(raw.count == byteCount(for: accumulator.count), "a validated frame of the accumulator's size")
            guard !accumulator.isEmpty else { return }
            if isAligned(raw) {
                raw.withMemoryRebound(to: UInt16.self) { BFloat16Codec.addDecoded($0, to: accumulator) }
            } else {
                for i in 0..<accumulator.count { accumulator[i] += float(raw, at: i) }
            }
        }
    }

    /// Checks a received frame of `count` values without decoding it (a server holding a push).
    /// - Throws: as `decode`.
    public static func validate(_ payload: WireMessage.Payload, count: Int, frame: String) throws {
        try payload.withUnsafeBytes { try validate($0, count: count, frame: frame) }
    }

    /// Checks the byte count, then that every value is finite and within `Wire.Limits.tensorMagnitudeLimit`.
    private static func validate(_ raw: UnsafeRawBufferPointer, count: Int, frame: String) throws {
        let (expectedBytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<UInt16>.stride)
        guard !overflow, raw.count == expectedBytes else {
            throw WireError.frameSize(frame: "\(frame) (bfloat16)", expectedBytes: overflow ? Int.max : expectedBytes, actualBytes: raw.count)
        }
        // max over the exponent bits vectorizes; the index is looked for only when a value is bad.
        var worst: UInt16 = 0
        for i in 0..<count { worst = max(worst, raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self) & 0x7F80) }
        guard UInt32(worst) << 16 >= TensorFrame.excessiveExponentBits else { return }
        for i in 0..<count where !TensorFrame.isUsable(float(raw, at: i)) {
            try TensorFrame.checkUsable(float(raw, at: i), frame: frame, index: i)
        }
    }

    /// Whether the frame's bytes can be read as `UInt16` in place (always so for frames libzmq gives
    /// their own heap block; a frame at an odd address is read value by value instead).
    private static func isAligned(_ raw: UnsafeRawBufferPointer) -> Bool {
        raw.baseAddress.map { Int(bitPattern: $0) % MemoryLayout<UInt16>.alignment == 0 } ?? true
    }

    private static func float(_ raw: UnsafeRawBufferPointer, at index: Int) -> Float {
        HalfPrecision.float(fromBFloat16Bits: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)))
    }
}
