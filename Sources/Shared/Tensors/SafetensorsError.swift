/// Why a safetensors file could not be read or written. Every case names the file, and the tensor and
/// field where one is at fault, so a truncated download or a hand-edited header is found at once.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened, inspected or mapped; `reason` is the system's message.
    case cannotOpen(path: String, reason: String)
    /// The file is shorter than its header says (or than the 8-byte length prefix itself).
    case truncatedHeader(path: String, expected: Int, actual: Int)
    /// The declared header length exceeds the limit this reader accepts.
    case headerTooLarge(path: String, length: UInt64, limit: Int)
    /// The header is not UTF-8 text holding one JSON object.
    case invalidHeader(path: String, reason: String)
    /// `__metadata__` is not an object mapping strings to strings.
    case invalidMetadata(path: String, reason: String)
    /// A tensor entry lacks a field or has a malformed one (`dtype`, `shape`, `data_offsets`).
    case invalidField(path: String, tensor: String, field: String, reason: String)
    /// The dtype string is not one the safetensors format defines.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// The product of the shape (or its byte size) does not fit in an `Int`.
    case shapeOverflow(path: String, tensor: String, shape: [Int])
    /// The tensor's bytes lie outside the data section.
    case offsetsOutOfRange(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// The byte range's length disagrees with shape × dtype size.
    case sizeMismatch(path: String, tensor: String, expectedBytes: Int, actualBytes: Int)
    /// Two tensors claim some of the same bytes.
    case overlappingTensors(path: String, first: String, second: String)
    /// The tensor exists but its dtype cannot be read as floats.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// No tensor of that name is in the file.
    case tensorNotFound(path: String, tensor: String)
    /// The caller's destination holds a different number of elements than the tensor.
    case countMismatch(path: String, tensor: String, expected: Int, actual: Int)
    /// A tensor given to the writer cannot be stored (bad name, duplicate, shape and data disagree).
    case invalidEntry(path: String, tensor: String, reason: String)
    /// Creating, writing, syncing or renaming the output failed; `reason` is the system's message.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "\(path): cannot open safetensors file: \(reason)"
        case .truncatedHeader(let path, let expected, let actual):
            return "\(path): file is truncated: its header needs \(expected) bytes but the file has \(actual)"
        case .headerTooLarge(let path, let length, let limit):
            return "\(path): header length \(length) exceeds the \(limit)-byte limit; the file is corrupt or not safetensors"
        case .invalidHeader(let path, let reason):
            return "\(path): invalid safetensors header: \(reason)"
        case .invalidMetadata(let path, let reason):
            return "\(path): invalid __metadata__: \(reason)"
        case .invalidField(let path, let tensor, let field, let reason):
            return "\(path): tensor \(tensor) has an invalid \(field): \(reason)"
        case .unknownDType(let path, let tensor, let dtype):
            return "\(path): tensor \(tensor) has unknown dtype \"\(dtype)\""
        case .shapeOverflow(let path, let tensor, let shape):
            return "\(path): tensor \(tensor) has shape \(shape), whose size overflows"
        case .offsetsOutOfRange(let path, let tensor, let begin, let end, let dataSize):
            return "\(path): tensor \(tensor) occupies bytes \(begin)..<\(end) but the data section has only \(dataSize) bytes (truncated file?)"
        case .sizeMismatch(let path, let tensor, let expectedBytes, let actualBytes):
            return "\(path): tensor \(tensor) needs \(expectedBytes) bytes for its shape and dtype but data_offsets span \(actualBytes)"
        case .overlappingTensors(let path, let first, let second):
            return "\(path): tensors \(first) and \(second) overlap in the data section"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): unsupported dtype \(dtype) for tensor \(tensor); only F32, F16 and BF16 can be read as floats"
        case .tensorNotFound(let path, let tensor):
            return "\(path): no tensor named \(tensor)"
        case .countMismatch(let path, let tensor, let expected, let actual):
            return "\(path): tensor \(tensor) has \(expected) elements but the destination holds \(actual)"
        case .invalidEntry(let path, let tensor, let reason):
            return "\(path): cannot write tensor \"\(tensor)\": \(reason)"
        case .writeFailed(let path, let reason):
            return "\(path): writing failed: \(reason)"
        }
    }
}
