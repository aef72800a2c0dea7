/// The keys and values every layer has computed for the positions decoded so far, so that a new token
/// attends to them without recomputing the prefix: each decoded token then costs one position's worth
/// of compute (its own projections, and one row of attention over the cache).
///
/// Sized once for the model's whole context (n_positions rows per layer) and reused across prompts by
/// `reset()`. Invariant: rows `0..<count` of every layer hold the keys and values of the same positions.
public final class KeyValueCache {
    /// Layers, context rows per layer and channels per row.
    public let layers: Int
    public let capacity: Int
    public let channels: Int
    /// Positions whose keys and values are stored.
    public private(set) var count = 0

    private let keys: FloatBuffer    // (L, P, C): head h in columns h·d ..< (h+1)·d
    private let values: FloatBuffer  // (L, P, C)

    public init(config: GPT2Config) {
        layers = config.layers
        capacity = config.positions
        channels = config.embedding
        keys = FloatBuffer(count: layers * capacity * channels)
        values = FloatBuffer(count: layers * capacity * channels)
    }

    /// Positions that can still be added.
    public var remaining: Int { capacity - count }

    /// Forgets every position (the buffers are kept).
    public func reset() { count = 0 }

    /// (P, C) keys of `layer`.
    func keys(layer: Int) -> UnsafeMutablePointer<Float> { keys.pointer + layer * capacity * channels }

    /// (P, C) values of `layer`.
    func values(layer: Int) -> UnsafeMutablePointer<Float> { values.pointer + layer * capacity * channels }

    /// Copies the keys and values of `rows` new positions, starting at `count`, from packed [q | k | v]
    /// rows (R, 3C) into `layer`.
    func store(layer: Int, qkv: UnsafePointer<Float>, rows: Int) {
        precondition(count + rows <= capacity, "the decoder checks the context before storing")
        let C = channels
        let k = keys(layer: layer) + count * C, v = values(layer: layer) + count * C
        for r in 0..<rows {
            (k + r * C).update(from: qkv + r * 3 * C + C, count: C)
            (v + r * C).update(from: qkv + r * 3 * C + 2 * C, count: C)
        }
    }

    /// Marks `rows` positions, stored in every layer, as decoded.
    func advance(by rows: Int) {
        precondition(count + rows <= capacity, "the decoder checks the context before advancing")
        count += rows
    }
}
