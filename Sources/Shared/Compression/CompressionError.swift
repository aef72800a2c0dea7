/// A `compression` recipe value that names no setting. Frames that break their format are refused with
/// `WireError` instead, like every other payload frame, so the refusal goes back to the peer verbatim.
public enum CompressionError: Error, Equatable, CustomStringConvertible {
    case invalidSetting(value: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSetting(let value, let reason):
            return "compression \"\(value)\" is invalid: \(reason); accepted: \(WireCompression.acceptedForms)"
        }
    }
}
