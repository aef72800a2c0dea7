/// A safetensors file opened for reading, memory-mapped and validated up front.
///
/// Opening parses and checks the whole header (`SafetensorsHeader`), so every later read is in bounds.
/// Tensors are reached by name, either as their raw little-endian bytes or copied into caller-owned
/// `Float` memory with F16/BF16 converted exactly; no tensor is copied until asked for.
///
/// `@unchecked Sendable`: nothing changes after `init`, and the mapping is read-only, so concurrent
/// reads from several threads are safe.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let header: SafetensorsHeader
    private let mapping: MappedFile

    /// Maps and validates the file at `path`.
    /// - Throws: `SafetensorsError` naming the file, and the tensor and field where one is at fault.
    public init(path: String) throws {
        self.path = path
        mapping = try MappedFile(path: path)
        header = try mapping.withBytes { try SafetensorsHeader(parsing: $0, path: path) }
    }

    /// Every tensor, in data-section order.
    public var tensors: [SafetensorsHeader.Tensor] { header.tensors }

    /// The `__metadata__` map; empty when the file has none.
    public var metadata: [String: String] { header.metadata }

    /// The entry for `name`, if the file has one.
    public func tensor(named name: String) -> SafetensorsHeader.Tensor? {
        header.tensor(named: name)
    }

    /// Calls `body` with the tensor's stored bytes (little-endian, in its own dtype); the buffer must
    /// not escape the closure.
    /// - Throws: `SafetensorsError.tensorNotFound`, or whatever `body` throws.
    public func withRawBytes<Result>(of name: String, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let tensor = try entry(name)
        return try mapping.withBytes { file in
            let start = header.dataOffset + tensor.dataRange.lowerBound
            return try body(UnsafeRawBufferPointer(rebasing: file[start..<(start + tensor.dataRange.count)]))
        }
    }

    /// Copies the tensor into `destination`, converting F16 and BF16 to `Float` exactly.
    /// - Throws: `SafetensorsError.tensorNotFound`, `.countMismatch` when `destination` does not hold
    ///   exactly the tensor's elements, `.unsupportedDType` for dtypes other than F32, F16 and BF16.
    public func copyFloats(of name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let tensor = try entry(name)
        guard destination.count == tensor.count else {
            throw SafetensorsError.countMismatch(path: path, tensor: name, expected: tensor.count, actual: destination.count)
        }
        try withRawBytes(of: name) { source in
            // Offsets need not be aligned to the element size, so elements are loaded unaligned.
            switch tensor.dtype {
            case .f32:
                for i in 0..<tensor.count {
                    let bits = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                    destination[i] = Float(bitPattern: bits)
                }
            case .f16:
                for i in 0..<tensor.count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    destination[i] = HalfPrecision.float(fromFloat16Bits: bits)
                }
            case .bf16:
                for i in 0..<tensor.count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    destination[i] = HalfPrecision.float(fromBFloat16Bits: bits)
                }
            default:
                throw SafetensorsError.unsupportedDType(path: path, tensor: name, dtype: tensor.dtype.rawValue)
            }
        }
    }

    /// The tensor's elements as a new array (for tests and small tensors; large ones go through
    /// `copyFloats(of:into:)` into memory the caller already owns).
    public func floats(of name: String) throws -> [Float] {
        let count = try entry(name).count
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.initialize(repeating: 0)
            initialized = count
            try copyFloats(of: name, into: buffer)
        }
    }

    private func entry(_ name: String) throws -> SafetensorsHeader.Tensor {
        guard let tensor = header.tensor(named: name) else {
            throw SafetensorsError.tensorNotFound(path: path, tensor: name)
        }
        return tensor
    }
}
