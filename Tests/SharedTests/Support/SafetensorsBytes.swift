import Foundation

/// Builds safetensors files byte by byte, so tests can produce what our writer never would: other
/// dtypes, unprefixed names, unaligned offsets and every kind of malformed header.
enum SafetensorsBytes {
    /// One tensor for `file(_:)`: its stored bytes, placed contiguously in the order given.
    struct Tensor {
        var name: String
        var dtype: String
        var shape: [Int]
        var bytes: [UInt8]
    }

    /// A file of `header` text, preceded by its length (or `declaredLength`) and followed by `data`.
    static func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let text = Array(header.utf8)
        let length = declaredLength ?? UInt64(text.count)
        return withUnsafeBytes(of: length.littleEndian, Array.init) + text + data
    }

    /// A well-formed file holding `tensors` with `__metadata__: {"format": "pt"}`.
    static func file(_ tensors: [Tensor]) -> [UInt8] {
        var entries = ["\"__metadata__\":{\"format\":\"pt\"}"]
        var data: [UInt8] = []
        for tensor in tensors {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\"\(tensor.name)\":{\"dtype\":\"\(tensor.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(data.count),\(data.count + tensor.bytes.count)]}")
            data += tensor.bytes
        }
        return file(header: "{" + entries.joined(separator: ",") + "}", data: data)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Little-endian F32 bytes of `values`.
    static func f32(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }

    /// Little-endian bytes of 16-bit patterns (F16 or BF16).
    static func halves(_ bits: [UInt16]) -> [UInt8] {
        bits.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
    }
}
