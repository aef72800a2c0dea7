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
        let firstMoment: FloatBuffer
        let secondMoment: FloatBuffer
        var optimizerSteps: Int
        /// Sub-ranges, relative to the shard, that take weight decay.
        let decayRanges: [Range<Int>]
        let queue: DispatchQueue
        let pool: BufferPool
        private let lock = NSLock()
        private var published: ShardSnapshot

        init(index: Int, range: Range<Int>, values: FloatBuffer, version: UInt64, optimizerSteps: Int,
             firstMoment: FloatBuffer, secondMoment: FloatBuffer, layout: ParameterLayout) {
            self.index = index
            self.range = range
            self.firstMoment = firstMoment
            self.secondMoment = secondMoment
            self.optimizerSteps = optimizerSteps
            decayRanges = WeightDecay.ranges(in: layout, within: range)
            queue = DispatchQueue(label: "bfpo.shard.\(index)")
            pool = BufferPool(count: range.count)
            published = ShardSnapshot(shard: index, version: version, values: values, pool: pool)
        }

        var snapshot: ShardSnapshot {
            lock.lock()
            defer { lock.unlock() }
            return published
        }

        func publish(_ snapshot: ShardSnapshot) {
            lock.lock()
            published = snapshot
            lock.unlock()
        }

        /// The shard's place and optimizer progress, as a checkpoint and the wire record them.
        var state: Wire.ShardState {
            Wire.ShardState(shardID: UInt32(index), offset: UInt64(range.lowerBound), count: UInt64(range.count),
                            version: snapshot.version, optimizerSteps: UInt64(optimizerSteps))
        }
    }

    let shards: [Shard]
    let hyperparameters: AdamW.Hyperparameters
    private let group = DispatchGroup()

    init(shards: [Shard], hyperparameters: AdamW.Hyperparameters) {
        self.shards = shards
        self.hyperparameters = hyperparameters
    }

    /// Every shard of a run.
    /// - Parameters:
    ///   - parameters: the whole vector (`ParameterLayout` order), split here into `count` shards.
    ///   - resume: each shard's version and AdamW step count, with the moments, when resuming.
    convenience init(
        parameters: FloatBuffer, layout: ParameterLayout, count: Int, hyperparameters: AdamW.Hyperparameters,
        resume: (states: [TrainingState.ShardState], firstMoment: FloatBuffer, secondMoment: FloatBuffer)? = nil
    ) {
        let ranges = ShardLayout.ranges(parameterCount: layout.count, shards: count)
        let shards = ranges.enumerated().map { index, range in
            let values = FloatBuffer(count: range.count)
            values.pointer.update(from: parameters.pointer + range.lowerBound, count: range.count)
            let m = FloatBuffer(count: range.count), v = FloatBuffer(count: range.count)
            if let resume {
                m.pointer.update(from: resume.firstMoment.pointer + range.lowerBound, count: range.count)
                v.pointer.update(from: resume.secondMoment.pointer + range.lowerBound, count: range.count)
            }
            return Shard(
                index: index, range: range, values: values, version: resume?.states[index].version ?? 0,
                optimizerSteps: resume?.states[index].optimizerSteps ?? 0, firstMoment: m, secondMoment: v, layout: layout)
        }
        self.init(shards: shards, hyperparameters: hyperparameters)
    }

    var ranges: [Range<Int>] { shards.map(\.range) }
    var versions: [UInt64] { shards.map { $0.snapshot.version } }
    var snapshots: [ShardSnapshot] { shards.map(\.snapshot) }

    /// No update is running.
    var isIdle: Bool { group.wait(timeout: .now()) == .success }

    /// Blocks until the running update, if any, is done.
    func waitUntilIdle() { group.wait() }

    /// Starts one AdamW step on every shard with `scale · gradients[s]` (one buffer per shard, in the order
    /// of `shards`) at `learningRate`; each shard publishes version + 1 when its own update is done. The
    /// gradients must not change until `isIdle`.
    func apply(gradients: [FloatBuffer], scale: Float, learningRate: Double) {
        precondition(isIdle, "one update at a time")
        precondition(gradients.count == shards.count, "one gradient per shard")
        for (shard, gradient) in zip(shards, gradients) {
            group.enter()
            shard.queue.async { [hyperparameters, group] in
                let previous = shard.snapshot
                let next = shard.pool.take()
                next.pointer.update(from: previous.values.pointer, count: shard.range.count)
                shard.optimizerSteps += 1
                AdamW.update(
                    parameters: next.pointer, gradients: gradient.pointer, gradientScale: scale,
                    firstMoment: shard.firstMoment.pointer, secondMoment: shard.secondMoment.pointer, count: shard.range.count,
                    decayRanges: shard.decayRanges, step: shard.optimizerSteps, learningRate: learningRate,
                    hyperparameters: hyperparameters)
                shard.publish(ShardSnapshot(shard: shard.index, version: previous.version + 1, values: next, pool: shard.pool))
                group.leave()
            }
        }
    }
}
