/// How an epoch's pairs form batches and batches form optimizer steps (docs/architecture.md, "The coordinator").
///
/// One lease is one batch of `batchSize` pairs (`per_device_train_batch_size`); one optimizer step is
/// `accumulation` batches (`gradient_accumulation_steps`), so the global batch does not depend on how many
/// workers there are. Batch b of an epoch holds the pairs at positions [b·B, (b+1)·B) of that epoch's
/// order; the last batch and the last step of an epoch may be smaller. Batch ids on the wire are global
/// (`epoch · batchesPerEpoch + b`), so a batch of one epoch is never mistaken for one of another.
struct BatchPlan: Equatable {
    let pairCount: Int
    let batchSize: Int
    let accumulation: Int
    let epochs: Int

    init(pairCount: Int, batchSize: Int, accumulation: Int, epochs: Int) {
        precondition(pairCount > 0 && batchSize > 0 && accumulation > 0 && epochs > 0, "a plan needs work")
        self.pairCount = pairCount
        self.batchSize = batchSize
        self.accumulation = accumulation
        self.epochs = epochs
    }

    var batchesPerEpoch: Int { (pairCount + batchSize - 1) / batchSize }
    var stepsPerEpoch: Int { (batchesPerEpoch + accumulation - 1) / accumulation }
    var totalSteps: Int { stepsPerEpoch * epochs }

    /// The epoch a global step belongs to, and its index within the epoch.
    func locate(step: Int) -> (epoch: Int, local: Int) { (step / stepsPerEpoch, step % stepsPerEpoch) }

    /// Global batch ids of global step `step`, ascending.
    func batches(ofStep step: Int) -> Range<Int> {
        let (epoch, local) = locate(step: step)
        let first = local * accumulation
        let last = min(first + accumulation, batchesPerEpoch)
        return (epoch * batchesPerEpoch + first)..<(epoch * batchesPerEpoch + last)
    }

    /// Global batch ids of `epoch`.
    func batches(ofEpoch epoch: Int) -> Range<Int> { (epoch * batchesPerEpoch)..<((epoch + 1) * batchesPerEpoch) }

    /// The epoch of a global batch id, and the positions of its pairs in that epoch's order.
    func positions(ofBatch batch: Int) -> (epoch: Int, positions: Range<Int>) {
        let epoch = batch / batchesPerEpoch, local = batch % batchesPerEpoch
        return (epoch, (local * batchSize)..<min((local + 1) * batchSize, pairCount))
    }

    /// Pairs in global step `step`: the divisor that turns the step's summed gradient into a mean.
    func pairs(inStep step: Int) -> Int {
        batches(ofStep: step).reduce(0) { $0 + positions(ofBatch: $1).positions.count }
    }

    /// The global step a batch belongs to in a synchronous run.
    func step(ofBatch batch: Int) -> Int {
        let epoch = batch / batchesPerEpoch, local = batch % batchesPerEpoch
        return epoch * stepsPerEpoch + local / accumulation
    }
}
