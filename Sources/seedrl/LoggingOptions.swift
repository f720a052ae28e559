import ArgumentParser
import Logging

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level.")
    var logLevel: Logger.Level = .info

    func bootstrap() {
        Console.bootstrapLogging(level: logLevel)
    }
}
