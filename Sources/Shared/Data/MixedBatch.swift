/// One batch of a run with a buffer set: rows of the main set and rows of the buffer set
/// (`BufferStream`), each as indices into its own set's rows.
///
/// The reference's loss for such a batch is mean(main pairs' losses) + mean(buffer pairs' losses); a
/// caller reproduces it by weighting each main pair `mainWeight` and each buffer pair `bufferWeight`.
public struct MixedBatch: Sendable, Equatable {
    public var main: [Int]
    public var buffer: [Int]

    public init(main: [Int], buffer: [Int]) {
        self.main = main
        self.buffer = buffer
    }

    /// 1 / main pairs (0 for none).
    public var mainWeight: Double { main.isEmpty ? 0 : 1 / Double(main.count) }
    /// 1 / buffer pairs (0 for none).
    public var bufferWeight: Double { buffer.isEmpty ? 0 : 1 / Double(buffer.count) }
}
