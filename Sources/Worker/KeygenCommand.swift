import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker keygen`: a CURVE key pair for a worker or shard server (docs/security.md).
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a CURVE key pair: NAME.key (secret, mode 0600) and NAME.pub (public).",
        discussion: """
            Prints the public key's allowlist line on stdout: append it to the coordinator's RUN_DIR/keys/allowed_keys \
            (and to a shard server's --allowed-keys file) to admit this worker or server. An existing pair is kept \
            and its line printed again, so this is safe to run every time.
            """
    )

    @Option(help: "The pair's path without extension: writes OUT.key and OUT.pub.")
    var out: String

    @Option(help: "A label written beside the public key in the allowlist line (default: OUT's file name).")
    var label: String?

    func validate() throws {
        guard !out.isEmpty, !out.hasSuffix("/") else { throw ValidationError("--out needs a file name, e.g. keys/worker-1") }
        guard label.map({ !$0.contains("\n") }) ?? true else { throw ValidationError("--label must be one line") }
    }

    func run() throws {
        let existed = FileManager.default.fileExists(atPath: out + ".key")
        let pair = try KeyFiles.makePair(named: out)
        print("\(pair.publicKey.z85) \(label ?? (out as NSString).lastPathComponent)")
        FileHandle.standardError.write(Data("\(existed ? "kept the key pair in" : "wrote") \(out).key and \(out).pub\n".utf8))
    }
}
