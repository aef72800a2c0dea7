import Foundation
import Shared

/// Shards of the flat parameter vector, each a contiguous range with its published snapshot, AdamW
/// moments, version counter and its own serial queue (docs/parameter-servers.md). A shard server owns
/// one store; the coordinator builds one holding every shard and hands shards out to servers from it.
///
/// Updates of different shards run in parallel on their queues; a snapshot is replaced only when its
/// shard's update is done, under that shard's lock, so a pull of one shard never waits for the update of
/// another (nor of its own: it gets the version published before). The owner starts an update with
/// `apply` and learns it is done from `isIdle` or `waitUntilIdle`.
final class ShardStore: @unchecked Sendable {
    /// One shard's mutable state. `snapshot` is guarded by `lock`; the moments and `optimizerSteps` are
    /// touched only by the shard's serial queue while an update runs, and by the owner otherwise (the
    /// owner never reads them while `isIdle` is false).
    final class Shard: @unchecked Sendable {
        /// The shard's id: its position among all shards of the run.
        let index: Int
        let range: Range<Int>
        /// Not trained (selective fine-tuning): never updated, no moments (empty buffers), always pulled
        /// as exact fp32 whatever the compression (it travels once).
        let frozen: Bool
        let firstMoment: FloatBuffer
        let secondMoment: FloatBuffer
        var optimizerSteps: Int
        /// Sub-ranges, relative to the shard, that take weight decay.
        let decayRanges: [Range<Int>]
        let queue: DispatchQueue
        let pool: BufferPool
        let compression: WireCompression
        /// Under `topk` compression, the parameters themselves (the published snapshots hold the public
        /// copy) and the error-feedback state; nil otherwise. Touched like the moments.
        private let master: FloatBuffer?
        private var publicCopy: PublicCopy?
        private let lock = NSLock()
        private var published: ShardSnapshot
        /// The update frames of the newest versions, oldest first, for workers a few versions behind:
        /// sparse updates under `topk`, exact XOR deltas under `none` (as many as together weigh less than
        /// the whole shard in fp32); guarded by `lock`.
        private var recentUpdates: [(version: UInt64, frame: WireMessage.Payload)] = []

        /// - Parameter publicCopy: under `topk`, the public copy as a checkpoint saved it (a run resumed
        ///   there publishes what the run that saved it would have); nil: P = W, as at the start of a run.
        init(index: Int, range: Range<Int>, values: FloatBuffer, version: UInt64, optimizerSteps: Int,
             firstMoment: FloatBuffer, secondMoment: FloatBuffer, layout: ParameterLayout, compression: WireCompression = .none,
             frozen: Bool = false, publicCopy initialCopy: FloatBuffer? = nil) {
            precondition(frozen ? firstMoment.count == 0 && secondMoment.count == 0
                                : firstMoment.count == range.count && secondMoment.count == range.count, "moments of the shard's size, none if frozen")
            precondition(initialCopy == nil || initialCopy!.count == range.count, "a public copy of the shard's size")
            self.index = index
            self.range = range
            self.frozen = frozen
            self.firstMoment = firstMoment
            self.secondMoment = secondMoment
            self.optimizerSteps = optimizerSteps
            self.compression = frozen ? .none : compression
            decayRanges = WeightDecay.ranges(in: layout, within: range)
            queue = DispatchQueue(label: "bfpo.shard.\(index)")
            pool = BufferPool(count: range.count)
            switch self.compression.parameters {
            case .exact:
                master = nil
                published = ShardSnapshot(shard: index, version: version, values: values, pool: pool)
            case .bf16:
                master = nil
                published = ShardSnapshot(shard: index, version: version, values: values, pool: pool,
                                          bfloat16: BFloat16Frame.payload(encoding: UnsafeBufferPointer(values.buffer)))
            case .topK(let fraction):
                master = values
                let initial = initialCopy ?? values
                publicCopy = PublicCopy(initial: UnsafeBufferPointer(initial.buffer), fraction: fraction)
                let copy = pool.take()
                copy.pointer.update(from: initial.pointer, count: range.count)
                published = ShardSnapshot(shard: index, version: version, values: copy, pool: pool)
            }
        }

        var snapshot: ShardSnapshot {
            lock.lock()
            defer { lock.unlock() }
            return published
        }

        /// The parameters a checkpoint saves and a server hand-over sends (only between updates).
        var parameters: FloatBuffer { master ?? snapshot.values }

        /// Under `topk`, the public copy P workers compute on, which a checkpoint saves and a hand-over sends
        /// beside the parameters (only between updates); nil otherwise.
        var publicValues: FloatBuffer? { master == nil ? nil : snapshot.values }

        /// The update frames (sparse updates, or XOR deltas) taking a copy at `held` to the published
        /// version, oldest first; nil when they are not all kept (then the whole shard must travel).
        func updates(since held: UInt64) -> (version: UInt64, frames: [WireMessage.Payload])? {
            lock.lock()
            defer { lock.unlock() }
            let version = published.version
            guard held < version, version - held <= UInt64(recentUpdates.count) else { return nil }
            let kept = recentUpdates.suffix(Int(version - held))
            guard kept.first?.version == held + 1 else { return nil }
            return (version, kept.map(\.frame))
        }

        private func publish(_ snapshot: ShardSnapshot) {
            lock.lock()
            published = snapshot
            if let update = snapshot.update {
                recentUpdates.append((snapshot.version, update))
                if recentUpdates.count > Wire.Limits.maxUpdatesPerShard { recentUpdates.removeFirst() }
                // Deltas worth more than the whole shard would only make a pull larger.
                while compression.parameters == .exact, recentUpdates.count > 1,
                      recentUpdates.reduce(0, { $0 + $1.frame.byteCount }) > range.count * MemoryLayout<Float>.size {
                    recentUpdates.removeFirst()
                }
            } else {
                recentUpdates.removeAll()
            }
            lock.unlock()
        }

        /// One AdamW step with `scale · gradient`, then the next version published (on the shard's queue).
        fileprivate func step(gradient: FloatBuffer, scale: Float, learningRate: Double, hyperparameters: AdamW.Hyperparameters) {
            let previous = snapshot
            optimizerSteps += 1
            let target: FloatBuffer
            if let master {
                target = master
            } else {
                target = pool.take()
                target.pointer.update(from: previous.values.pointer, count: range.count)
            }
            AdamW.update(
                parameters: target.pointer, gradients: gradient.pointer, gradientScale: scale,
                firstMoment: firstMoment.pointer, secondMoment: secondMoment.pointer, count: range.count,
                decayRanges: decayRanges, step: optimizerSteps, learningRate: learningRate, hyperparameters: hyperparameters)
            let version = previous.version + 1
            switch compression.parameters {
            case .exact:
                let delta = XorDeltaFrame.payload(from: UnsafeBufferPointer(previous.values.buffer), to: UnsafeBufferPointer(target.buffer))
                publish(ShardSnapshot(shard: index, version: version, values: target, pool: pool, update: delta))
            case .bf16:
                publish(ShardSnapshot(shard: index, version: version, values: target, pool: pool,
                                      bfloat16: BFloat16Frame.payload(encoding: UnsafeBufferPointer(target.buffer))))
            case .topK:
                let update = publicCopy!.update(master: UnsafeBufferPointer(target.buffer))
                let copy = pool.take()
                copy.pointer.update(from: previous.values.pointer, count: range.count)
                update.apply(to: copy.buffer)
                publish(ShardSnapshot(shard: index, version: version, values: copy, pool: pool, update: SparseUpdateFrame.payload(update)))
            }
        }

        /// The shard's place and optimizer progress, as a checkpoint and the wire record them.
        var state: Wire.ShardState {
            Wire.ShardState(shardID: UInt32(index), offset: UInt64(range.lowerBound), count: UInt64(range.count),
                            version: snapshot.version, optimizerSteps: UInt64(optimizerSteps), frozen: frozen)
        }
    }

    let shards: [Shard]
    let hyperparameters: AdamW.Hyperparameters
    private let group = DispatchGroup()

    init(shards: [Shard], hyperparameters: AdamW.Hyperparameters, compression: WireCompression) {
        self.shards = shards
        self.hyperparameters = hyperparameters
        self.compression = compression
    }

    /// What trained shards travel as (frozen ones always go as fp32).
    let compression: WireCompression
    /// The shards that are trained, in order: those `apply` updates.
    var trainedShards: [Shard] { shards.filter { !$0.frozen } }

    /// Every shard of a run.
    /// - Parameters:
    ///   - parameters: the whole vector (`ParameterLayout` order), split here into `count` shards.
    ///   - resume: each shard's version and AdamW step count, with the moments and the public copy (under
    ///     `topk`, when the checkpoint saved one), when resuming.
    convenience init(
        parameters: FloatBuffer, layout: ParameterLayout, count: Int, hyperparameters: AdamW.Hyperparameters,
        resume: (states: [TrainingState.ShardState], firstMoment: FloatBuffer, secondMoment: FloatBuffer, publicCopy: FloatBuffer?)? = nil,
        compression: WireCompression = .none, trained: [Range<Int>]? = nil
    ) {
        let layoutShards = ShardLayout.shards(parameterCount: layout.count, count: count, trained: trained ?? [0..<layout.count])
        let shards = layoutShards.enumerated().map { index, spec in
            let range = spec.range
            func slice(_ vector: FloatBuffer) -> FloatBuffer {
                let part = FloatBuffer(count: range.count)
                part.pointer.update(from: vector.pointer + range.lowerBound, count: range.count)
                return part
            }
            // A frozen shard has no moments; a trained one starts from zero ones unless resumed.
            func moment(_ saved: FloatBuffer?) -> FloatBuffer {
                spec.frozen ? FloatBuffer(count: 0) : saved.map(slice) ?? FloatBuffer(count: range.count)
            }
            let m = moment(resume?.firstMoment), v = moment(resume?.secondMoment)
            return Shard(
                index: index, range: range, values: slice(parameters), version: resume?.states[index].version ?? 0,
                optimizerSteps: resume?.states[index].optimizerSteps ?? 0, firstMoment: m, secondMoment: v, layout: layout,
                compression: compression, frozen: spec.frozen, publicCopy: resume?.publicCopy.map(slice))
        }
        self.init(shards: shards, hyperparameters: hyperparameters, compression: compression)
    }

    var ranges: [Range<Int>] { shards.map(\.range) }
    var versions: [UInt64] { shards.map { $0.snapshot.version } }
    var snapshots: [ShardSnapshot] { shards.map(\.snapshot) }

    /// No update is running.
    var isIdle: Bool { group.wait(timeout: .now()) == .success }

    /// Blocks until the running update, if any, is done.
    func waitUntilIdle() { group.wait() }

    /// Starts one AdamW step on every trained shard with `scale · gradients[s]` (one buffer per trained
    /// shard, in the order of `trainedShards`) at `learningRate`; each publishes version + 1 when its own
    /// update is done. The gradients must not change until `isIdle`.
    func apply(gradients: [FloatBuffer], scale: Float, learningRate: Double) {
        precondition(isIdle, "one update at a time")
        let trained = trainedShards
        precondition(gradients.count == trained.count, "one gradient per trained shard")
        for (shard, gradient) in zip(trained, gradients) {
            group.enter()
            shard.queue.async { [hyperparameters, group] in
                shard.step(gradient: gradient, scale: scale, learningRate: learningRate, hyperparameters: hyperparameters)
                group.leave()
            }
        }
    }
}
