import Foundation
import Shared

/// The parameter vector split into contiguous shards, each with its published snapshot, AdamW moments,
/// version counter and its own serial queue (design.md section 2).
///
/// Updates of different shards run in parallel on their queues; a snapshot is replaced only when its
/// shard's update is done, under that shard's lock, so a pull of one shard never waits for the update of
/// another (nor of its own: it gets the version published before). The loop thread starts an update with
/// `apply` and learns it is done from `isIdle`.
final class ShardStore: @unchecked Sendable {
    /// One shard's mutable state. `snapshot` is guarded by `lock`; the moments and `optimizerSteps` are
    /// touched only by the shard's serial queue while an update runs, and by the loop thread otherwise
    /// (the loop never reads them while `isIdle` is false).
    final class Shard: @unchecked Sendable {
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
             firstMoment: FloatBuffer, secondMoment: FloatBuffer, decayRanges: [Range<Int>]) {
            self.index = index
            self.range = range
            self.firstMoment = firstMoment
            self.secondMoment = secondMoment
            self.optimizerSteps = optimizerSteps
            self.decayRanges = decayRanges
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
    }

    let shards: [Shard]
    let parameterCount: Int
    let hyperparameters: AdamW.Hyperparameters
    private let group = DispatchGroup()

    /// - Parameters:
    ///   - parameters: the whole vector (`ParameterLayout` order), split here into `count` shards.
    ///   - resume: each shard's version and AdamW step count, with the moments, when resuming.
    init(
        parameters: FloatBuffer, layout: ParameterLayout, count: Int, hyperparameters: AdamW.Hyperparameters,
        resume: (states: [TrainingState.ShardState], firstMoment: FloatBuffer, secondMoment: FloatBuffer)? = nil
    ) {
        let ranges = ShardLayout.ranges(parameterCount: layout.count, shards: count)
        parameterCount = layout.count
        self.hyperparameters = hyperparameters
        shards = ranges.enumerated().map { index, range in
            let values = FloatBuffer(count: range.count)
            values.pointer.update(from: parameters.pointer + range.lowerBound, count: range.count)
            let m = FloatBuffer(count: range.count), v = FloatBuffer(count: range.count)
            if let resume {
                m.pointer.update(from: resume.firstMoment.pointer + range.lowerBound, count: range.count)
                v.pointer.update(from: resume.secondMoment.pointer + range.lowerBound, count: range.count)
            }
            return Shard(
                index: index, range: range, values: values, version: resume?.states[index].version ?? 0,
                optimizerSteps: resume?.states[index].optimizerSteps ?? 0, firstMoment: m, secondMoment: v,
                decayRanges: WeightDecay.ranges(in: layout, within: range))
        }
    }

    var ranges: [Range<Int>] { shards.map(\.range) }
    var versions: [UInt64] { shards.map { $0.snapshot.version } }
    var snapshots: [ShardSnapshot] { shards.map(\.snapshot) }

    /// No update is running.
    var isIdle: Bool { group.wait(timeout: .now()) == .success }

    /// Blocks until the running update, if any, is done.
    func waitUntilIdle() { group.wait() }

    /// ‖gradient‖₂ over all shards, each shard's sum of squares computed in parallel.
    func norm(of gradient: FloatBuffer) -> Double {
        var squares = [Double](repeating: 0, count: shards.count)
        squares.withUnsafeMutableBufferPointer { sums in
            let base = sums.baseAddress!
            DispatchQueue.concurrentPerform(iterations: shards.count) { s in
                let range = shards[s].range
                base[s] = GradientClipping.sumOfSquares(gradient.pointer + range.lowerBound, count: range.count)
            }
        }
        return GradientClipping.globalNorm(sumsOfSquares: squares)
    }

    /// Starts one AdamW step on every shard with `scale · gradient` at `learningRate`; each shard publishes
    /// version + 1 when its own update is done. `gradient` must not change until `isIdle`.
    func apply(gradient: FloatBuffer, scale: Float, learningRate: Double) {
        precondition(isIdle, "one update at a time")
        for shard in shards {
            group.enter()
            shard.queue.async { [hyperparameters, group] in
                let previous = shard.snapshot
                let next = shard.pool.take()
                next.pointer.update(from: previous.values.pointer, count: shard.range.count)
                shard.optimizerSteps += 1
                AdamW.update(
                    parameters: next.pointer, gradients: gradient.pointer + shard.range.lowerBound, gradientScale: scale,
                    firstMoment: shard.firstMoment.pointer, secondMoment: shard.secondMoment.pointer, count: shard.range.count,
                    decayRanges: shard.decayRanges, step: shard.optimizerSteps, learningRate: learningRate,
                    hyperparameters: hyperparameters)
                shard.publish(ShardSnapshot(shard: shard.index, version: previous.version + 1, values: next, pool: shard.pool))
                group.leave()
            }
        }
    }

    /// The whole vector and both moments, assembled for a checkpoint (only while idle).
    func gather() -> (parameters: FloatBuffer, firstMoment: FloatBuffer, secondMoment: FloatBuffer) {
        precondition(isIdle, "gather only between updates")
        let parameters = FloatBuffer(count: parameterCount)
        let m = FloatBuffer(count: parameterCount), v = FloatBuffer(count: parameterCount)
        for shard in shards {
            let offset = shard.range.lowerBound, count = shard.range.count
            (parameters.pointer + offset).update(from: shard.snapshot.values.pointer, count: count)
            (m.pointer + offset).update(from: shard.firstMoment.pointer, count: count)
            (v.pointer + offset).update(from: shard.secondMoment.pointer, count: count)
        }
        return (parameters, m, v)
    }

    func shardStates() -> [TrainingState.ShardState] {
        shards.map {
            TrainingState.ShardState(offset: $0.range.lowerBound, count: $0.range.count,
                                     version: $0.snapshot.version, optimizerSteps: $0.optimizerSteps)
        }
    }
}
