/// A safetensors file of whole parameter-sized vectors, each stored as one F32 tensor per model tensor,
/// named with a prefix of its own and the tensor's canonical name, with the tensor's shape, in
/// `ParameterLayout` order (vector after vector). A checkpoint's `optimizer.safetensors` and
/// `public_copy.safetensors` are two of them.
///
/// Reading is strict like `ModelDirectory.load`: exactly these tensors, each with its exact shape and
/// dtype, every value finite (and non-negative where asked).
enum LayoutTensorFile {
    /// One vector of a file: its tensors' name prefix, a name for errors, and the values.
    struct Vector {
        let prefix: String
        let name: String
        let values: FloatBuffer
    }

    /// Writes `vectors` (flat, `layout` order) to `path`.
    /// - Throws: `CheckpointError.momentCountMismatch` for a vector of another size, or
    ///   `SafetensorsError.writeFailed`.
    static func write(layout: ParameterLayout, _ vectors: [Vector], to path: String) throws {
        for vector in vectors where vector.values.count != layout.count {
            throw CheckpointError.momentCountMismatch(name: vector.name, expected: layout.count, actual: vector.values.count)
        }
        try withExtendedLifetime(vectors) {
            let entries = vectors.flatMap { vector in
                layout.tensors.map { spec in
                    SafetensorsWriter.Entry(name: vector.prefix + spec.name, shape: spec.shape,
                                            data: UnsafeBufferPointer(start: vector.values.pointer + spec.offset, count: spec.count))
                }
            }
            try SafetensorsWriter.write(entries, to: path)
        }
    }

    /// The vectors stored at `path` under `prefixes`, as flat buffers in `layout`'s order.
    /// - Parameters:
    ///   - nonNegative: the prefixes whose values must also be ≥ 0.
    ///   - invalid: the error for a reason (naming the tensor at fault, or what makes the file malformed).
    /// - Throws: what `invalid` makes, whatever went wrong.
    static func read(layout: ParameterLayout, prefixes: [String], nonNegative: Set<String> = [], from path: String,
                     invalid: (String) -> CheckpointError) throws(CheckpointError) -> [FloatBuffer] {
        do {
            return try readVectors(layout: layout, prefixes: prefixes, nonNegative: nonNegative, from: path, invalid: invalid)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw invalid("\(error)")
        }
    }

    private static func readVectors(layout: ParameterLayout, prefixes: [String], nonNegative: Set<String>, from path: String,
                                    invalid: (String) -> CheckpointError) throws -> [FloatBuffer] {
        let file = try SafetensorsFile(path: path)
        let expected = Set(prefixes.flatMap { prefix in layout.tensors.map { prefix + $0.name } })
        if let extra = file.tensors.first(where: { !expected.contains($0.name) }) {
            throw invalid("tensor \(extra.name) is not one this file holds")
        }
        return try prefixes.map { prefix in
            let buffer = FloatBuffer(count: layout.count)
            for spec in layout.tensors {
                let name = prefix + spec.name
                guard let tensor = file.tensor(named: name) else { throw invalid("tensor \(name) is missing") }
                guard tensor.dtype == .f32 else { throw invalid("tensor \(name) is \(tensor.dtype.rawValue), expected F32") }
                guard tensor.shape == spec.shape else { throw invalid("tensor \(name) has shape \(tensor.shape), expected \(spec.shape)") }
                let values = UnsafeMutableBufferPointer(rebasing: buffer.buffer[spec.range])
                try file.copyFloats(of: name, into: values)
                let positive = nonNegative.contains(prefix)
                if let index = values.firstIndex(where: { !$0.isFinite || (positive && $0 < 0) }) {
                    throw invalid("tensor \(name) holds \(values[index]) at element \(index)")
                }
            }
            return buffer
        }
    }
}
