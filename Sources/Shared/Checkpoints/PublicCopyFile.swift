/// A checkpoint's `public_copy.safetensors`, written by runs under `compression: topk`: the values workers
/// compute on (each trained shard's public copy P, each frozen shard's parameters; docs/compression.md),
/// F32 under the model's canonical names and shapes, `ParameterLayout` order (`LayoutTensorFile`).
/// With it a resumed run publishes exactly what the run that saved it would have; `model.safetensors`
/// holds the master values W.
public enum PublicCopyFile {
    public static let fileName = "public_copy.safetensors"

    /// Writes `values` (flat, `ParameterLayout` order) to `path`.
    /// - Throws: `CheckpointError.momentCountMismatch`, or `SafetensorsError.writeFailed`.
    public static func write(layout: ParameterLayout, values: FloatBuffer, to path: String) throws {
        try LayoutTensorFile.write(layout: layout, [.init(prefix: "", name: "public copy", values: values)], to: path)
    }

    /// The public copy stored at `path`, flat in `layout`'s order.
    /// - Throws: `CheckpointError.invalidPublicCopy` naming the tensor at fault, or what makes the file
    ///   malformed.
    public static func read(layout: ParameterLayout, from path: String) throws(CheckpointError) -> FloatBuffer {
        try LayoutTensorFile.read(layout: layout, prefixes: [""], from: path) { .invalidPublicCopy(path: path, reason: $0) }[0]
    }
}
