/// One lease's gradient on one server as its parts arrive (a worker sends each shard's part as soon as the
/// backward pass has finished it; docs/parameter-servers.md, "Overlap"): for each trained shard the server
/// owns, the part that carries it and the shard's place among that part's frames. Summed only once whole.
struct HeldGradient {
    private var parts: [(contribution: GradientContribution, frame: Int)?]

    /// An empty gradient for a server of `shards` trained shards.
    init(shards: Int) {
        parts = Array(repeating: nil, count: shards)
    }

    /// Whether every trained shard has its part.
    var isWhole: Bool { parts.allSatisfy { $0 != nil } }

    /// Whether any of `positions` (indices into the server's trained shards) already has its part.
    func holdsAny(of positions: [Int]) -> Bool { positions.contains { parts[$0] != nil } }

    /// Takes `contribution`, whose `i`-th frame is the gradient of trained shard `positions[i]`; none of
    /// them may have a part yet (`holdsAny`).
    mutating func take(_ contribution: GradientContribution, carrying positions: [Int]) {
        for (frame, position) in positions.enumerated() {
            precondition(parts[position] == nil, "one part per shard")
            parts[position] = (contribution, frame)
        }
    }

    /// Adds trained shard `position`'s gradient into `accumulator` (whole gradients only).
    func add(shard position: Int, into accumulator: UnsafeMutableBufferPointer<Float>) {
        let part = parts[position]!
        part.contribution.add(shard: part.frame, into: accumulator)
    }
}
