import Foundation
import Logging

/// The project's logger: a component name and a threshold over a swift-log `Logger` (the ecosystem's
/// logging API), whose handler (`LineLogHandler`) writes today's levelled lines on standard error, so
/// standard output stays free for the machine-readable results of commands like `gradient` and `tokenize`.
///
/// A value type; the four levels the project logs at and their names on the command line (`--log-level`)
/// stay this type's, so call sites and flags do not depend on swift-log's seven.
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

        var swiftLog: Logging.Logger.Level {
            switch self {
            case .debug: return .debug
            case .info: return .info
            case .warning: return .warning
            case .error: return .error
            }
        }
    }

    public var component: String { logger.label }
    /// The swift-log logger's level, read back in this project's terms (only this type sets it).
    public var threshold: Level {
        get { Level.allCases.first { $0.swiftLog == logger.logLevel } ?? .info }
        set { logger.logLevel = newValue.swiftLog }
    }
    private var logger: Logging.Logger

    public init(component: String, threshold: Level = .info) {
        logger = Logging.Logger(label: component, factory: LineLogHandler.init)
        self.threshold = threshold
    }

    public func log(_ level: Level, _ message: @autoclosure () -> String) {
        logger.log(level: level.swiftLog, "\(message())")
    }

    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
}
