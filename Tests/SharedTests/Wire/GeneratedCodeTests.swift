import Foundation
import Testing

extension WireTests {
    @Suite struct GeneratedCode {
        /// The committed protobuf-c code must be exactly what `make proto` generates from each file of proto/:
        /// proto/bfpo.proto (the wire protocol) and proto/tensorboard.proto (the TensorBoard events).
        ///
        /// When protoc-c is missing this fails (rather than skipping) with a message saying how to get it: CI
        /// runs `make test`, whose `setup` installs protobuf-c-compiler, so there the check always runs; a
        /// skipped check would let a stale committed file pass silently on a machine without the tool.
        @Test func committedProtobufCCodeMatchesTheProto() throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent()
            let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            guard let protoc = searchPath.split(separator: ":").map({ "\($0)/protoc-c" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                Issue.record("protoc-c is needed to check the committed protobuf-c code against proto/; install it with `make setup` (apt package protobuf-c-compiler)")
                return
            }
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("bfpo-proto-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: output) }

            for name in ["bfpo", "tensorboard"] {
                // The command of the Makefile's `proto` target.
                let process = Process()
                process.executableURL = URL(fileURLWithPath: protoc)
                process.arguments = ["--proto_path=proto", "--c_out=\(output.path)", "proto/\(name).proto"]
                process.currentDirectoryURL = root
                let errors = Pipe()
                process.standardError = errors
                try process.run()
                process.waitUntilExit()
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                try #require(process.terminationStatus == 0, "protoc-c failed on proto/\(name).proto: \(message)")

                for (generated, committed) in [("\(name).pb-c.c", "Sources/CBFPOWire/\(name).pb-c.c"),
                                               ("\(name).pb-c.h", "Sources/CBFPOWire/include/\(name).pb-c.h")] {
                    let fresh = try Data(contentsOf: output.appendingPathComponent(generated))
                    let stored = try Data(contentsOf: root.appendingPathComponent(committed))
                    #expect(fresh == stored, "\(committed) is stale: run `make proto` and commit the result")
                }
            }
        }
    }
}
