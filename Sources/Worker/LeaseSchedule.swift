import Shared

/// One lease's computation overlapped with its transfers (docs/parameter-servers.md, "Overlap"): the
/// forward pass reads each layer as soon as the pull in flight has stored it, and under a gradient lease
/// each shard server's part of the push is handed to the push pipeline as soon as the backward pass has
/// finished that server's shards (the bucketed overlap of PyTorch DDP). The coordinator's part follows
/// once the lease is computed (`finishPush`).
///
/// Used by the worker's session thread only, which runs the model.
final class LeaseSchedule: ComputeSchedule {
    /// A shard server's part of a push: the first element its shards cover, and its frames.
    struct ServerPart {
        let firstOffset: Int
        let frames: () -> [WireMessage.Payload]
    }

    /// A gradient lease's push: where it goes, the header its servers get (read once the pull has
    /// ended, so it names the versions computed on) and each server's part.
    struct Push {
        let pipeline: PushPipeline
        let header: () -> Wire.GradientPush
        let servers: [ServerPart]
    }

    private let pull: ShardPull
    private let push: Push?
    private var shipped: [Bool]
    private var begun = false

    init(pull: ShardPull, push: Push? = nil) {
        self.pull = pull
        self.push = push
        shipped = Array(repeating: false, count: push?.servers.count ?? 0)
    }

    func willRead(_ range: Range<Int>) {
        pull.willRead(range)
    }

    /// Ships every server whose shards all lie at or after `offset`. A push begins only once the pull has
    /// succeeded (the backward pass runs after the forward pass has read every shard, so it has ended):
    /// a failed pull's gradient is dropped and must reach no server.
    func gradientsFinal(from offset: Int) {
        guard let push else { return }
        if !begun {
            guard (try? pull.finish()) != nil else { return }
            push.pipeline.begin(push.header())
            begun = true
        }
        for (index, server) in push.servers.enumerated() where !shipped[index] && server.firstOffset >= offset {
            push.pipeline.ship(server: index, frames: server.frames())
            shipped[index] = true
        }
    }

    /// Hands the coordinator its part, `push` with the lease's metrics, after every server's.
    func finishPush(_ push: Wire.GradientPush, coordinatorFrames: [WireMessage.Payload]) {
        gradientsFinal(from: 0)
        guard begun else { return }
        self.push?.pipeline.finish(push, coordinatorFrames: coordinatorFrames)
    }
}
