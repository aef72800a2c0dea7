/// One record of a TensorBoard event file, as proto/tensorboard.proto's `Event` holds it: either the file's
/// version (the first record of every file) or a summary of scalars for one step.
public struct TensorBoardEvent: Equatable, Sendable {
    /// One scalar of a summary: TensorBoard draws one chart per tag, with the event's step on the x axis.
    public struct Scalar: Equatable, Sendable {
        /// The metric's name; must not contain NUL (protobuf-c strings are C strings).
        public var tag: String
        public var value: Float

        public init(tag: String, value: Float) {
            self.tag = tag
            self.value = value
        }
    }

    public enum Content: Equatable, Sendable {
        case fileVersion(String)
        case scalars([Scalar])
    }

    /// The version TensorBoard expects in the first record: all versions start with "brain.Event:".
    public static let currentFileVersion = "brain.Event:2"

    /// Seconds since the Unix epoch.
    public var wallTime: Double
    public var step: Int64
    public var content: Content

    public init(wallTime: Double, step: Int64, content: Content) {
        self.wallTime = wallTime
        self.step = step
        self.content = content
    }
}
