import Shared

/// One lease's computation overlapped with its transfers (docs/parameter-servers.md, "Overlap"): the
/// forward pass reads each layer as soon as the pull in flight has stored it, and under a gradient lease
/// each trained shard's part of the push is handed to the push pipeline as soon as the backward pass has
/// finished that shard (the bucketed overlap of PyTorch DDP, one bucket per shard), whichever process
/// serves it. The closing push follows once the lease is computed (`finishPush`). A lease that holds its
/// push (`holding`) ships nothing until then.
///
/// Used by the worker's session thread only, which runs the model.
final class LeaseSchedule: ComputeSchedule {
    /// A trained shard's part of a push: where it goes and the first element it covers.
    struct Part {
        let destination: PushPipeline.Destination
        let shard: UInt32
        let firstOffset: Int
    }

    /// A gradient lease's push: where it goes, the header its parts carry (read once the pull has ended,
    /// so it names the versions computed on), each trained shard's part, and the frames of a set of shards.
    struct Push {
        let pipeline: PushPipeline
        let header: () -> Wire.GradientPush
        let parts: [Part]
        let frames: ([UInt32]) -> [WireMessage.Payload]
    }

    private let pull: ShardPull
    private let push: Push?
    private let pulled: () -> Void
    private var shipped: [Bool]
    private var begun = false
    /// Whether the pull succeeded, once asked.
    private var pullSucceeded: Bool?
    /// While true the backward pass ships nothing: the lease holds its push (`Wire.Lease.holdPush`) until
    /// `finishPush`.
    var holding = false

    /// - Parameter pulled: called once, before the first part is shipped, when the pull has succeeded: the
    ///   transports it used are the session's again.
    init(pull: ShardPull, push: Push? = nil, pulled: @escaping () -> Void = {}) {
        self.pull = pull
        self.push = push
        self.pulled = pulled
        shipped = Array(repeating: false, count: push?.parts.count ?? 0)
    }

    func willRead(_ range: Range<Int>) {
        pull.willRead(range)
    }

    /// Ships every shard that starts at or after `offset`, one message per destination. A push begins
    /// only once the pull has succeeded (the backward pass runs after the forward pass has read every
    /// shard, so it has ended): a failed pull's gradient is dropped and must reach no server.
    func gradientsFinal(from offset: Int) {
        guard let push, pulledWhole(), !holding else { return }
        if !begun {
            push.pipeline.begin(push.header())
            begun = true
        }
        var ready: [PushPipeline.Destination: [UInt32]] = [:]
        for (index, part) in push.parts.enumerated() where !shipped[index] && part.firstOffset >= offset {
            ready[part.destination, default: []].append(part.shard)
            shipped[index] = true
        }
        for (destination, shards) in ready.sorted(by: { $0.value[0] > $1.value[0] }) {
            push.pipeline.ship(to: destination, shards: shards, frames: push.frames(shards))
        }
    }

    /// Ships what is left, then hands the pipeline the closing push, `push` with the lease's metrics.
    func finishPush(_ push: Wire.GradientPush) {
        holding = false
        gradientsFinal(from: 0)
        guard begun else { return }
        self.push?.pipeline.finish(push)
    }

    /// Whether the pull succeeded; the first time it did, calls `pulled`.
    private func pulledWhole() -> Bool {
        if let pullSucceeded { return pullSucceeded }
        let succeeded = (try? pull.finish()) != nil
        if succeeded { pulled() }
        pullSucceeded = succeeded
        return succeeded
    }
}
