import Shared

/// The coordinator's optimizer steps in their three stages: the step being gathered (pushes counted into a
/// `StepAccumulator`), complete steps queued for the servers, and the one step the servers are applying
/// (reduced, then committed: docs/parameter-servers.md, "A step in two rounds").
///
/// Why a queue: in asynchronous training the next step can complete while the servers still apply the
/// last one, and the servers must apply steps one at a time and in order. The pushes that will never count
/// travel with the next step handed to the servers, which then forget their gradients.
struct StepPipeline {
    /// A step handed to the servers, with the figures its metrics line will carry.
    struct Applying {
        let step: Int
        let accumulator: StepAccumulator
        let learningRate: Double
        /// The step gradient's global norm (before clipping: the metrics line's `grad_norm`), once the
        /// servers have reduced the step.
        var norm: Double?
    }

    /// A step to hand to the servers: its pushes in summing order, and the pushes to forget.
    struct Handover {
        let step: Int
        let pushes: [Wire.LeaseRef]
        let dropped: [Wire.LeaseRef]
    }

    /// The step whose pushes are being counted, and its number.
    private(set) var gathering = StepAccumulator()
    private(set) var gatheringStep: Int
    private var queued: [(step: Int, accumulator: StepAccumulator)] = []
    private(set) var applying: Applying?
    private var dropped: [Wire.LeaseRef] = []

    /// A pipeline whose first step to gather is `firstStep` (the steps before it are applied).
    init(firstStep: Int) {
        gatheringStep = firstStep
    }

    /// Whether a complete step is queued or being applied.
    var isBusy: Bool { applying != nil || !queued.isEmpty }

    /// Opens the gathering of `gatheringStep`: exactly `batches` (synchronous), or any `count` (asynchronous).
    mutating func beginGathering(batches: [Int]?, count: Int) {
        gathering.begin(batches: batches, count: count)
    }

    /// Queues the gathered step; the next one is gathered from now on.
    mutating func closeGathering() {
        queued.append((gatheringStep, gathering))
        gathering = StepAccumulator()
        gatheringStep += 1
    }

    /// Records a push that will never count (refused, or of a lease that expired or was revoked).
    mutating func drop(_ push: Wire.LeaseRef) {
        dropped.append(push)
    }

    /// The oldest queued step, now being applied at `learningRate(step)`; nil while another step is
    /// being applied or none is queued. Each push goes once, and never both counted and dropped (a
    /// refused duplicate of a counted push).
    mutating func startApplying(learningRate: (Int) -> Double) -> Handover? {
        guard applying == nil, !queued.isEmpty else { return nil }
        let (step, accumulator) = queued.removeFirst()
        applying = Applying(step: step, accumulator: accumulator, learningRate: learningRate(step))
        let pushes = accumulator.pushes
        var seen = Set(pushes)
        let forget = dropped.filter { seen.insert($0).inserted }
        dropped.removeAll()
        return Handover(step: step, pushes: pushes, dropped: forget)
    }

    /// The servers reduced the step being applied; `norm` is its gradient's global norm.
    mutating func reduced(norm: Double) {
        precondition(applying != nil, "a step is being applied")
        applying?.norm = norm
    }

    /// The servers committed the step being applied: it leaves the pipeline.
    mutating func finishApplying() -> Applying {
        defer { applying = nil }
        return applying!
    }
}
