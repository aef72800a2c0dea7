/// The element types of payload frames: fixed-size, little-endian on the wire (the only byte order this
/// project builds for).
public protocol WireScalar: BitwiseCopyable {
    /// How frame errors name the type, e.g. "float32".
    static var wireName: String { get }
}

extension Float: WireScalar { public static var wireName: String { "float32" } }
extension Double: WireScalar { public static var wireName: String { "float64" } }
extension Int32: WireScalar { public static var wireName: String { "int32" } }
extension UInt8: WireScalar { public static var wireName: String { "uint8" } }

/// A validated, read-only view of a payload frame as `count` values of `Element`.
///
/// In place when the frame's address is aligned for `Element` (always so for large received frames,
/// which libzmq gives their own heap block); otherwise a copy made once at validation. Keeps the frame
/// alive as long as the view exists.
public struct TensorView<Element: WireScalar> {
    public let count: Int
    private let storage: Storage

    private enum Storage {
        case inPlace(WireMessage.Payload)
        case copied([Element])
    }

    /// Wraps `payload`, which must hold exactly `count` elements.
    fileprivate init(_ payload: WireMessage.Payload, count: Int) {
        self.count = count
        let aligned = payload.withUnsafeBytes { raw in
            raw.baseAddress.map { Int(bitPattern: $0) % MemoryLayout<Element>.alignment == 0 } ?? true
        }
        if aligned {
            storage = .inPlace(payload)
        } else {
            storage = .copied(payload.withUnsafeBytes { raw in
                [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                    initialized = count
                }
            })
        }
    }

    /// Whether the view reads the frame in place (no copy was needed).
    public var isInPlace: Bool {
        if case .inPlace = storage { return true }
        return false
    }

    /// Calls `body` with the values; the pointer is valid only inside `body`.
    public func withUnsafeBufferPointer<Result>(_ body: (UnsafeBufferPointer<Element>) throws -> Result) rethrows -> Result {
        switch storage {
        case .copied(let values):
            return try values.withUnsafeBufferPointer(body)
        case .inPlace(let payload):
            return try payload.withUnsafeBytes { raw in
                guard count > 0 else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
                return try raw.withMemoryRebound(to: Element.self, body)
            }
        }
    }

    public subscript(index: Int) -> Element {
        precondition(index >= 0 && index < count, "index \(index) outside a frame of \(count) values")
        return withUnsafeBufferPointer { $0[index] }
    }

    /// A copy of the values.
    public var array: [Element] { withUnsafeBufferPointer { Array($0) } }
}

/// Checks of payload frames against what their header says, before anything reads them. Each names the
/// frame in its error (e.g. "shard 3 gradient"), so the reply to the peer says exactly what was wrong.
public enum TensorFrame {
    /// `expectedCount` float32 values, all finite and of magnitude below `Wire.Limits.tensorMagnitudeLimit`.
    /// - Throws: `WireError.frameSize`, `.nonFinite`, `.tooLarge`.
    public static func floats(_ payload: WireMessage.Payload, expectedCount: Int, frame: String) throws -> TensorView<Float> {
        let view = try sized(payload, expectedCount: expectedCount, frame: frame, as: Float.self)
        try view.withUnsafeBufferPointer { values in
            // max over the exponent bits vectorizes; the index is looked for only when a value is bad.
            var worst: UInt32 = 0
            for x in values { worst = max(worst, x.bitPattern & 0x7F80_0000) }
            if worst >= excessiveExponentBits, let index = values.firstIndex(where: { !isUsable($0) }) {
                try checkUsable(values[index], frame: frame, index: index)
            }
        }
        return view
    }

    /// The exponent bits (biased exponent 228 and above, at fp32's position) of a magnitude at or beyond
    /// 2^101, ±Inf and NaN included.
    public static let excessiveExponentBits: UInt32 = 228 << 23

    /// Whether `value` is finite and within `Wire.Limits.tensorMagnitudeLimit`.
    public static func isUsable(_ value: Float) -> Bool { abs(value) < Wire.Limits.tensorMagnitudeLimit }

    /// Throws `WireError.nonFinite` or `.tooLarge` for a value that is not usable.
    public static func checkUsable(_ value: Float, frame: String, index: Int) throws {
        guard value.isFinite else { throw WireError.nonFinite(frame: frame, index: index, value: Double(value)) }
        guard isUsable(value) else { throw WireError.tooLarge(frame: frame, index: index, value: Double(value)) }
    }

    /// `expectedCount` float64 values, all finite. - Throws: `WireError.frameSize`, `.nonFinite`.
    public static func doubles(_ payload: WireMessage.Payload, expectedCount: Int, frame: String) throws -> TensorView<Double> {
        let view = try sized(payload, expectedCount: expectedCount, frame: frame, as: Double.self)
        try view.withUnsafeBufferPointer { values in
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                throw WireError.nonFinite(frame: frame, index: index, value: values[index])
            }
        }
        return view
    }

    /// `expectedCount` int32 values, each in `allowed` (e.g. `0..<vocabularySize` for token ids).
    /// - Throws: `WireError.frameSize`, `.valueOutOfRange`.
    public static func int32s(
        _ payload: WireMessage.Payload, expectedCount: Int, frame: String, allowed: Range<Int32>
    ) throws -> TensorView<Int32> {
        let view = try sized(payload, expectedCount: expectedCount, frame: frame, as: Int32.self)
        try view.withUnsafeBufferPointer { values in
            if let index = values.firstIndex(where: { !allowed.contains($0) }) {
                throw WireError.valueOutOfRange(frame: frame, index: index, value: Int64(values[index]),
                                                allowed: "\(allowed.lowerBound) to \(Int64(allowed.upperBound) - 1)")
            }
        }
        return view
    }

    /// `expectedCount` uint8 values, each 0 or 1 (loss masks, safety labels).
    /// - Throws: `WireError.frameSize`, `.valueOutOfRange`.
    public static func flags(_ payload: WireMessage.Payload, expectedCount: Int, frame: String) throws -> TensorView<UInt8> {
        let view = try sized(payload, expectedCount: expectedCount, frame: frame, as: UInt8.self)
        try view.withUnsafeBufferPointer { values in
            if let index = values.firstIndex(where: { $0 > 1 }) {
                throw WireError.valueOutOfRange(frame: frame, index: index, value: Int64(values[index]), allowed: "0 or 1")
            }
        }
        return view
    }

    private static func sized<T: WireScalar>(
        _ payload: WireMessage.Payload, expectedCount: Int, frame: String, as: T.Type
    ) throws -> TensorView<T> {
        precondition(expectedCount >= 0, "expected counts come from validated headers and are non-negative")
        let (expectedBytes, overflow) = expectedCount.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow, payload.byteCount == expectedBytes else {
            throw WireError.frameSize(frame: "\(frame) (\(T.wireName))", expectedBytes: overflow ? Int.max : expectedBytes,
                                      actualBytes: payload.byteCount)
        }
        return TensorView(payload, count: expectedCount)
    }
}
