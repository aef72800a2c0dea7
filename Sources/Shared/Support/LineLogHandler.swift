import Foundation
import Logging

/// swift-log's `LogHandler` for this project's lines on standard error:
/// `2026-12-02T16:05:40Z info [component] message key=value …`, in UTC, one `write` per line so lines from
/// several threads never interleave mid-line; standard output stays free for the machine-readable results
/// of commands like `gradient`, `tokenize` and `eval --json`.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logging.Logger.Level = .info
    public var metadata: Logging.Logger.Metadata = [:]
    /// The component, as the logger's label.
    public let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logging.Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        Self.write(line(level: event.level, message: event.message, metadata: event.metadata, timestamp: Self.timestamp()))
    }

    /// One line: timestamp, level, `[label]`, the message, then the handler's and the event's metadata
    /// as sorted ` key=value` pairs (the event's win).
    func line(level: Logging.Logger.Level, message: Logging.Logger.Message, metadata explicit: Logging.Logger.Metadata?,
              timestamp: String) -> String {
        let merged = explicit.map { metadata.merging($0) { $1 } } ?? metadata
        let fields = merged.keys.sorted().map { " \($0)=\(merged[$0]!)" }.joined()
        return "\(timestamp) \(Self.name(of: level)) [\(label)] \(message)\(fields)\n"
    }

    /// The level's word in a line; swift-log's seven levels map onto the four this project logs at and
    /// keep their own names where they have no counterpart.
    static func name(of level: Logging.Logger.Level) -> String {
        switch level {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info, .notice: return "info"
        case .warning: return "warning"
        case .error, .critical: return "error"
        }
    }

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
