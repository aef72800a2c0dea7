/// The reference's helpfulness **buffer** (`use_buffer`, `buffer_dataset_mixer`): a second set of pairs
/// of which a fixed number is mixed into every batch of the main set, so that safety data does not
/// wash out helpfulness.
///
/// The reference (its `Trainer._inner_training_loop` and `training_step`) draws, for every main
/// micro-batch, the next `per_device_train_batch_size` rows of a buffer dataloader that is reshuffled at
/// the start of each epoch and again whenever it runs out, and adds the buffer batch's mean loss to the
/// main batch's. Here, batch `b` of epoch `e` takes positions [b·m, (b+1)·m) (m = `pairsPerBatch`) of
/// epoch e's **buffer stream**: the concatenation of permutations P(e, 0), P(e, 1), … of the buffer's
/// rows, each drawn by `DatasetOrder.permutation` with a seed derived from (`seed`, e, cycle). Every
/// epoch starts a fresh cycle, and the buffer cycles as often as the main set needs.
///
/// `indices(epoch:batch:)` is a pure function, so a scheduler can lease, re-lease and resume batches by
/// id in any order and get the same buffer rows without keeping stream state. It costs O(`count`) per
/// call (one or two permutations are drawn).
public struct BufferStream: Sendable, Equatable {
    /// Rows in the buffer set.
    public let count: Int
    /// Buffer pairs added to each batch; the reference uses the main batch size.
    public let pairsPerBatch: Int
    public let seed: UInt64

    /// - Throws: `DatasetError.invalidMixer` for an empty buffer or fewer than one pair per batch.
    public init(count: Int, pairsPerBatch: Int, seed: UInt64) throws {
        guard count >= 1 else { throw DatasetError.invalidMixer("the buffer set holds no pair") }
        guard pairsPerBatch >= 1 else {
            throw DatasetError.invalidMixer("buffer pairs per batch must be at least 1, got \(pairsPerBatch)")
        }
        self.count = count
        self.pairsPerBatch = pairsPerBatch
        self.seed = seed
    }

    /// The buffer rows of batch `batch` (0-based within the epoch) of epoch `epoch`, in stream order.
    public func indices(epoch: Int, batch: Int) -> [Int] {
        precondition(epoch >= 0 && batch >= 0, "epochs and batches count from 0")
        let first = batch * pairsPerBatch
        var cycle = -1, order: [Int] = []
        return (first..<(first + pairsPerBatch)).map { position in
            if position / count != cycle {
                cycle = position / count
                order = self.order(epoch: epoch, cycle: cycle)
            }
            return order[position % count]
        }
    }

    /// Batch `batch` of epoch `epoch` with its main rows `main` (positions the scheduler took from the
    /// epoch's main order) and its buffer rows.
    public func batch(main: [Int], epoch: Int, batch: Int) -> MixedBatch {
        MixedBatch(main: main, buffer: indices(epoch: epoch, batch: batch))
    }

    /// Cycle `cycle` of epoch `epoch`'s stream: a permutation of 0..<count.
    public func order(epoch: Int, cycle: Int) -> [Int] {
        DatasetOrder.permutation(count: count, seed: Self.cycleSeed(seed: seed, epoch: epoch, cycle: cycle))
    }

    /// The seed of one cycle: `seed`, tagged as the buffer's, then the epoch, then the cycle, each folded
    /// in by SplitMix64's finalizer, so that nearby epochs and cycles get unrelated permutations.
    public static func cycleSeed(seed: UInt64, epoch: Int, cycle: Int) -> UInt64 {
        func mix(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let tagged = mix(seed ^ 0x6275_6666_6572)  // "buffer" in ASCII
        return mix(mix(tagged ^ UInt64(epoch)) ^ UInt64(cycle))
    }
}
