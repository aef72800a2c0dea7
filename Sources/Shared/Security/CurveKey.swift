/// A CURVE (Curve25519) key, public or secret: 32 bytes, written as 40 characters of Z85 in files and on
/// command lines (the form libzmq's own tools print).
public struct CurveKey: Hashable, Sendable, CustomStringConvertible {
    /// The 32 key bytes.
    public let bytes: [UInt8]
    /// The same key as Z85 text.
    public let z85: String

    /// nil when `z85` is not 40 characters of valid Z85.
    public init?(z85 text: String) {
        guard let bytes = ZMQCall.z85Decode(text) else { return nil }
        self.bytes = bytes
        self.z85 = text
    }

    /// Prints the Z85 text; only ever print public keys.
    public var description: String { z85 }
}

/// A CURVE key pair: the secret half stays in one file of one machine, the public half goes to whoever
/// must recognise its holder (an allowlist, a worker that connects to it).
public struct CurveKeyPair: Sendable {
    public let publicKey: CurveKey
    public let secretKey: CurveKey

    /// A fresh key pair from libzmq (libsodium's randomness).
    /// - Throws: `SecurityError.curveUnavailable` when this libzmq was built without CURVE.
    public static func generate() throws -> CurveKeyPair {
        guard ZMQCall.has("curve") else { throw SecurityError.curveUnavailable }
        let pair = try ZMQCall.curveKeyPair()
        guard let publicKey = CurveKey(z85: pair.publicKey), let secretKey = CurveKey(z85: pair.secretKey) else {
            preconditionFailure("libzmq produced a key that is not Z85")
        }
        return CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// The pair whose secret half is `secretKey` (the public half is derived from it).
    public init(secretKey: CurveKey) throws {
        guard ZMQCall.has("curve") else { throw SecurityError.curveUnavailable }
        let derived = try ZMQCall.curvePublicKey(secretKey: secretKey.z85)
        guard let publicKey = CurveKey(z85: derived) else { preconditionFailure("libzmq produced a key that is not Z85") }
        self.init(publicKey: publicKey, secretKey: secretKey)
    }

    private init(publicKey: CurveKey, secretKey: CurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}
