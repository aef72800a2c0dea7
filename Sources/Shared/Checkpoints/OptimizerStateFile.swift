/// A checkpoint's `optimizer.safetensors`: AdamW's `exp_avg` and `exp_avg_sq` for every parameter
/// tensor, F32, under `exp_avg.NAME` and `exp_avg_sq.NAME` with the model's canonical names and shapes
/// (PyTorch's state names), all `exp_avg` tensors first, in `ParameterLayout` order.
///
/// Reading is strict like `ModelDirectory.load`: exactly these tensors, each with its exact shape and
/// dtype, every value finite and every `exp_avg_sq` non-negative.
public enum OptimizerStateFile {
    public static let fileName = "optimizer.safetensors"
    static let firstMomentPrefix = "exp_avg."
    static let secondMomentPrefix = "exp_avg_sq."

    /// Writes both moments (flat, `ParameterLayout` order) to `path`.
    /// - Throws: `CheckpointError.momentCountMismatch`, or `SafetensorsError.writeFailed`.
    public static func write(layout: ParameterLayout, firstMoment: FloatBuffer, secondMoment: FloatBuffer, to path: String) throws {
        for (name, buffer) in [("exp_avg", firstMoment), ("exp_avg_sq", secondMoment)] where buffer.count != layout.count {
            throw CheckpointError.momentCountMismatch(name: name, expected: layout.count, actual: buffer.count)
        }
        try withExtendedLifetime((firstMoment, secondMoment)) {
            var entries: [SafetensorsWriter.Entry] = []
            for (prefix, buffer) in [(firstMomentPrefix, firstMoment), (secondMomentPrefix, secondMoment)] {
                for spec in layout.tensors {
                    entries.append(SafetensorsWriter.Entry(
                        name: prefix + spec.name, shape: spec.shape,
                        data: UnsafeBufferPointer(start: buffer.pointer + spec.offset, count: spec.count)))
                }
            }
            try SafetensorsWriter.write(entries, to: path)
        }
    }

    /// Both moments stored at `path`, as flat buffers in `layout`'s order.
    /// - Throws: `CheckpointError.invalidOptimizerState` naming the tensor at fault, or
    ///   `SafetensorsError` for a malformed file.
    public static func read(layout: ParameterLayout, from path: String) throws -> (firstMoment: FloatBuffer, secondMoment: FloatBuffer) {
        let file = try SafetensorsFile(path: path)
        func invalid(_ reason: String) -> CheckpointError { .invalidOptimizerState(path: path, reason: reason) }
        let expected = Set(layout.tensors.flatMap { [firstMomentPrefix + $0.name, secondMomentPrefix + $0.name] })
        if let extra = file.tensors.first(where: { !expected.contains($0.name) }) {
            throw invalid("tensor \(extra.name) is not a moment of this model")
        }
        let firstMoment = FloatBuffer(count: layout.count), secondMoment = FloatBuffer(count: layout.count)
        for (prefix, buffer) in [(firstMomentPrefix, firstMoment), (secondMomentPrefix, secondMoment)] {
            for spec in layout.tensors {
                let name = prefix + spec.name
                guard let tensor = file.tensor(named: name) else { throw invalid("tensor \(name) is missing") }
                guard tensor.dtype == .f32 else { throw invalid("tensor \(name) is \(tensor.dtype.rawValue), expected F32") }
                guard tensor.shape == spec.shape else { throw invalid("tensor \(name) has shape \(tensor.shape), expected \(spec.shape)") }
                let values = UnsafeMutableBufferPointer(rebasing: buffer.buffer[spec.range])
                try file.copyFloats(of: name, into: values)
                let nonNegative = prefix == secondMomentPrefix
                if let index = values.firstIndex(where: { !$0.isFinite || (nonNegative && $0 < 0) }) {
                    throw invalid("tensor \(name) holds \(values[index]) at element \(index)")
                }
            }
        }
        return (firstMoment, secondMoment)
    }
}
