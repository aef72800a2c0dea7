/// A checkpoint's `optimizer.safetensors`: AdamW's `exp_avg` and `exp_avg_sq` for every parameter
/// tensor, F32, under `exp_avg.NAME` and `exp_avg_sq.NAME` with the model's canonical names and shapes
/// (PyTorch's state names), all `exp_avg` tensors first, in `ParameterLayout` order (`LayoutTensorFile`).
/// Every `exp_avg_sq` value must be non-negative.
public enum OptimizerStateFile {
    public static let fileName = "optimizer.safetensors"
    static let firstMomentPrefix = "exp_avg."
    static let secondMomentPrefix = "exp_avg_sq."

    /// Writes both moments (flat, `ParameterLayout` order) to `path`.
    /// - Throws: `CheckpointError.momentCountMismatch`, or `SafetensorsError.writeFailed`.
    public static func write(layout: ParameterLayout, firstMoment: FloatBuffer, secondMoment: FloatBuffer, to path: String) throws {
        try LayoutTensorFile.write(layout: layout, [
            .init(prefix: firstMomentPrefix, name: "exp_avg", values: firstMoment),
            .init(prefix: secondMomentPrefix, name: "exp_avg_sq", values: secondMoment),
        ], to: path)
    }

    /// Both moments stored at `path`, as flat buffers in `layout`'s order.
    /// - Throws: `CheckpointError.invalidOptimizerState` naming the tensor at fault, or what makes the file
    ///   malformed.
    public static func read(layout: ParameterLayout, from path: String) throws(CheckpointError) -> (firstMoment: FloatBuffer, secondMoment: FloatBuffer) {
        let moments = try LayoutTensorFile.read(layout: layout, prefixes: [firstMomentPrefix, secondMomentPrefix], nonNegative: [secondMomentPrefix],
                                                from: path) { .invalidOptimizerState(path: path, reason: $0) }
        return (moments[0], moments[1])
    }
}
