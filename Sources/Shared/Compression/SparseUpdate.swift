/// One step's change to a shard's public copy under `compression: topk`: set `copy[indices[j]] =
/// values[j]` for every entry. Indices are strictly ascending, so each coordinate is set at most once
/// and the frame has one canonical form (`SparseUpdateFrame`).
public struct SparseUpdate: Equatable, Sendable {
    public let indices: [UInt32]
    public let values: [Float]

    /// An update from entries made by trusted code (`PublicCopy.update`, tests); received frames go
    /// through `SparseUpdateFrame`'s checks instead.
    public init(indices: [UInt32], values: [Float]) {
        precondition(indices.count == values.count, "a sparse update has one value per index")
        precondition(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }, "sparse update indices must be strictly ascending")
        self.indices = indices
        self.values = values
    }

    public var count: Int { indices.count }

    /// Sets `copy[index] = value` for each entry: what a worker holding the same public copy does, after
    /// which it holds exactly the server's copy.
    public func apply(to copy: UnsafeMutableBufferPointer<Float>) {
        if let last = indices.last { precondition(Int(last) < copy.count, "sparse update index \(last) outside a copy of \(copy.count) values") }
        for j in 0..<indices.count { copy[Int(indices[j])] = values[j] }
    }
}
