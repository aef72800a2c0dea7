import Logging
import Testing
@testable import Shared

/// The lines swift-log's records become: the project's format, unchanged by the move to swift-log.
struct LineLogHandlerTests {
    @Test func aRecordBecomesTodaysLine() {
        var handler = LineLogHandler(label: "coordinator")
        #expect(handler.line(level: .info, message: "step 1/4", metadata: nil, timestamp: "2026-12-02T16:05:40Z")
                == "2026-12-02T16:05:40Z info [coordinator] step 1/4\n")
        handler[metadataKey: "run"] = "r1"
        #expect(handler.line(level: .warning, message: "late", metadata: ["lease": "7", "run": "r2"], timestamp: "T")
                == "T warning [coordinator] late lease=7 run=r2\n")
        #expect([Logging.Logger.Level.trace, .debug, .info, .notice, .warning, .error, .critical].map(LineLogHandler.name(of:))
                == ["trace", "debug", "info", "info", "warning", "error", "error"])
    }
}
