/// How a process's ZeroMQ connections are protected.
public enum TransportSecurity: Sendable {
    /// CurveZMQ: every connection encrypted and authenticated. A listener proves it holds `keyPair`'s
    /// secret and admits only clients whose public key is in `allowlistFile` (nil for a process that only
    /// connects); a connecting side presents `keyPair` and must be told the listener's public key.
    case curve(keyPair: CurveKeyPair, allowlistFile: String?)
    /// Plain TCP: anyone who can reach a port can read and steer training. Only `--insecure` asks for it.
    case insecure

    /// The warning every binary prints, at start, when it runs insecure.
    public static let insecureWarning =
        "WARNING: --insecure: connections are neither encrypted nor authenticated; anyone who can reach these ports can read and steer training"
}
