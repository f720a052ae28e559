import ArgumentParser
import Conformance
import Contract

/// `seedrl conformance`: the wire contract's rules checked against another implementation,
/// a server (`--server`) or an actor (`--actor`, which connects to the checking learner
/// this command serves). Prints a pass/fail table; exit 0 only if nothing failed.
struct ConformanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Check a server (--server) or an actor (--actor) against the wire contract; print a pass/fail table.")

    @Option(help: "Check the server at HOST:PORT or unix:PATH.")
    var server: String?

    @Flag(help: "Serve a checking learner and check the actor that connects to it.")
    var actor = false

    @Flag(help: "With --server: require training to advance (model_version to grow while steps are sent).")
    var expectTraining = false

    @Option(help: "With --expect-training: seconds of steps before training counts as stalled.")
    var trainingSeconds: Double = 60

    @OptionGroup(title: "With --actor: the Spec to serve") var spec: SpecOptions

    @Option(help: "With --actor: the address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "With --actor: the port to listen on (0: any; the port is printed).")
    var port: Int = 8686

    @Option(help: "With --actor: env steps to see before, and again after, every stream is ended with UNAVAILABLE.")
    var steps: UInt64 = 2000

    @Option(help: "With --actor: seconds to wait for each phase.")
    var timeoutSeconds: Double = 120

    @OptionGroup(title: "Authentication") var tokens: TokenOptions
    @OptionGroup(title: "TLS (with --server)") var tls: ClientTLSOptions

    func validate() throws {
        if (server == nil) == !actor { throw ValidationError("give --server HOST:PORT or --actor") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be in 0...65535") }
        try checkSeconds(trainingSeconds, "--training-seconds", exclusive: true)
        try checkSeconds(timeoutSeconds, "--timeout-seconds", exclusive: true)
    }

    func run() throws {
        let report: ConformanceReport
        if let server {
            var options = ServerConformance.Options(target: server, token: try tokens.resolve())
            options.security = try tls.security()
            options.expectTraining = expectTraining
            options.trainingSeconds = trainingSeconds
            Console.line("seedrl conformance: checking the server at \(server)")
            report = ServerConformance(options: options).run()
        } else {
            var options = ActorConformance.Options(spec: try spec.resolve(default: nil), listenAddress: "\(host):\(port)")
            options.token = try tokens.resolve()
            options.steps = steps
            options.timeoutSeconds = timeoutSeconds
            let served = options.spec
            report = try ActorConformance(options: options).run { port in
                Console.line("seedrl conformance: a checking learner for \(served.envName) \(served.fullDescription) on \(host):\(port); "
                    + "connect the actor (it will be asked to reconnect once)")
            }
        }
        Console.line(report.table)
        if !report.passed { throw ExitCode(1) }
    }
}
