import Foundation

/// The project's one logger: levelled lines on standard error, so standard output stays free for the
/// machine-readable results of commands like `gradient` and `tokenize`.
///
/// A value type holding only its threshold and a component name; writes are single `write` calls of a
/// whole line, so lines from several threads never interleave mid-line.
public struct Logger: Sendable {
    public enum Level: Int, Comparable, Sendable, CaseIterable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var label: String { ["debug", "info", "warning", "error"][rawValue] }

        /// The level named `name` (`debug`, `info`, `warning`, `error`), if any.
        public init?(name: String) {
            guard let level = Level.allCases.first(where: { $0.label == name }) else { return nil }
            self = level
        }
    }

    public var component: String
    public var threshold: Level

    public init(component: String, threshold: Level = .info) {
        self.component = component
        self.threshold = threshold
    }

    public func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= threshold else { return }
        let stamp = Self.timestamp()
        Self.write("\(stamp) \(level.label) [\(component)] \(message())\n")
    }

    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }

    static func write(_ line: String) {
        var text = line
        text.withUTF8 { bytes in _ = Foundation.write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
