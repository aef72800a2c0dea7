/// What a model pass tells its caller as it goes, so that parameter transfer can hide behind compute
/// (docs/parameter-servers.md, "Overlap"): before a layer reads its parameters the forward pass asks
/// for them, and as the backward pass leaves a layer it says which gradients no later step adds to.
///
/// A worker pulls shards in the order the forward pass reads them and lets the model start on the first
/// layer while the rest arrive; it pushes a server's gradients as soon as the backward pass has finished
/// them, the bucketed overlap of PyTorch DDP. Nothing numeric changes: the pass reads the same values and
/// writes the same gradients, only sooner.
public protocol ComputeSchedule: AnyObject {
    /// Blocks until the parameters in `range` (element offsets of the flat vector) may be read.
    func willRead(_ range: Range<Int>)
    /// The gradients of every parameter at `offset` or after are final for this pass.
    func gradientsFinal(from offset: Int)
}
