import Foundation

/// Runs the package's own executables as real processes, bounded in time: the tool integration and
/// multi-process tests use it so that they exercise exactly what users run.
enum ProcessRunner {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    enum Failure: Error, CustomStringConvertible {
        case binaryNotFound(String)
        case timedOut(String, seconds: Double)

        var description: String {
            switch self {
            case .binaryNotFound(let name): return "\(name) was not found beside the test bundle; run `swift build` first"
            case .timedOut(let command, let seconds): return "\(command) did not finish within \(seconds) s and was killed"
            }
        }
    }

    /// The built product `name`, which SwiftPM puts in the same directory as the test bundle.
    static func binary(_ name: String) throws -> URL {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw Failure.binaryNotFound(name)
    }

    /// Runs `name arguments…` to completion, killing it (by pid) after `timeout` seconds.
    static func run(_ name: String, _ arguments: [String], stdin: String? = nil, timeout: Double = 60) throws -> Output {
        try run(executable: try binary(name), arguments, stdin: stdin, timeout: timeout)
    }

    /// Runs the program at `executable` (a script of the repository) the same way.
    static func run(executable: URL, _ arguments: [String], stdin: String? = nil, timeout: Double = 60) throws -> Output {
        let name = executable.lastPathComponent
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Drain both pipes while the process runs so a large output cannot block it.
        let stdoutData = PipeContents(), stderrData = PipeContents()
        let group = DispatchGroup()
        for (handle, contents) in [(out.fileHandleForReading, stdoutData), (err.fileHandleForReading, stderrData)] {
            group.enter()
            DispatchQueue.global().async {
                contents.data = handle.readDataToEndOfFile()
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Failure.timedOut(([name] + arguments).joined(separator: " "), seconds: timeout)
        }
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdoutData.data, as: UTF8.self),
                      stderr: String(decoding: stderrData.data, as: UTF8.self))
    }

    /// One pipe's bytes: written once by its reader, read after `DispatchGroup.wait`, which orders the two.
    private final class PipeContents: @unchecked Sendable {
        var data = Data()
    }
}
