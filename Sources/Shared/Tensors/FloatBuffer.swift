/// An owned, zero-initialised, contiguous fp32 allocation: the parameter vector, a gradient of the same
/// layout, optimizer moments, or a workspace. One allocation makes zeroing, copying, checksumming and
/// slicing into shards trivial (llm.c's "one flat buffer, named views").
///
/// A class because it owns memory; it is not thread-safe by itself — whoever shares one across threads
/// says what protects it.
public final class FloatBuffer {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: $0.count) }
    }

    deinit { pointer.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    /// The elements as an array (a copy; for tests and small tensors, not for hot paths).
    public var array: [Float] { Array(buffer) }
}
