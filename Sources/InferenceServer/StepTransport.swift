import Wire

/// What the hub needs of one stream's transport: who is calling, a way to answer, a way
/// to end it. `ServerStream` (gRPC) is one; tests drive the hub with their own.
///
/// Thread-safety as `ServerStream`: `reply` from one thread at a time while a message is
/// outstanding; `finish` and `cancel` from any thread, any number of times.
public protocol StepTransport: AnyObject, Sendable {
    /// A number unique among the server's streams, for logs.
    var id: UInt64 { get }
    var context: CallContext { get }
    /// Act (one lane) or ActBatch (lanes fixed by the first message).
    var method: StreamMethod { get }
    /// Answers the message last received (an Action from lane 0 for Act, an ActionBatch
    /// for ActBatch) and asks for the next; false if the stream has ended.
    func reply(actions: ActionPayload, modelVersion: UInt64) -> Bool
    /// Ends the stream with a status (after anything already sent).
    func finish(_ code: StatusCode, _ message: String)
    /// Ends the stream at once, whatever is unsent.
    func cancel(_ code: StatusCode, _ message: String)
}

extension ServerStream: StepTransport {}
