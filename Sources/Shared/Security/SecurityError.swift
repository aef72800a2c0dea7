/// Why keys, allowlists or an authenticated peer could not be used.
public enum SecurityError: Error, Equatable, CustomStringConvertible {
    /// libzmq was built without CURVE (libsodium); run with `--insecure` or install a libzmq with it.
    case curveUnavailable
    case unreadable(path: String, reason: String)
    /// A key file's content is not a Z85 key.
    case malformedKey(path: String, line: Int)
    /// A secret key file that other users can read is not used (as ssh refuses such identity files).
    case secretKeyExposed(path: String, mode: UInt16)
    /// A worker or server started without its key pair, or without the key of the side it connects to.
    case missingKey(String)

    public var description: String {
        switch self {
        case .curveUnavailable:
            return "this libzmq has no CURVE support (built without libsodium): install one with it, or run with --insecure"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .malformedKey(let path, let line):
            return "\(path):\(line): not a CURVE key (40 characters of Z85, as `bfpo-worker keygen` writes)"
        case .secretKeyExposed(let path, let mode):
            return "\(path) holds a secret key but other users may read it (mode \(String(mode, radix: 8))); run chmod 600 \(path)"
        case .missingKey(let what):
            return what
        }
    }
}
