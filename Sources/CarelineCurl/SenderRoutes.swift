import CarelineCore
import Foundation

/// Builds the configured senders and their transports: what `careline dispatch` sends through.
public enum SenderRoutes {
    /// One route per `[senders.NAME]`: the sender, with its secrets resolved, and a transport of its own
    /// (its `timeout`, and `concurrency` connections at most).
    ///
    /// - Parameters:
    ///   - configuration: The loaded `careline.toml`.
    ///   - names: Only these senders (those the due messages use); `nil` for all.
    ///   - environment: Where `env:NAME` secrets are read.
    /// - Returns: The routes by sender name.
    /// - Throws: ``ConfigurationError`` naming the key of a secret that cannot be resolved or is malformed;
    ///   ``TransportError`` when libcurl cannot be initialised.
    public static func make(configuration: Configuration, environment: [String: String]) throws
        -> [String: SenderRoute]
    {
        var routes: [String: SenderRoute] = [:]
        for (name, entry) in configuration.senders.sorted(by: { $0.key < $1.key }) {
            switch entry.settings {
            case .file(let settings):
                routes[name] = SenderRoute(sender: FileSender(name: name, settings: settings), transport: nil)
            case .webhook(let settings):
                let secret = try settings.secret.resolve(environment: environment)
                let sender = try WebhookSender(name: name, settings: settings, secret: secret)
                routes[name] = SenderRoute(
                    sender: sender,
                    transport: try CurlTransport(
                        totalTimeout: settings.timeout, maxConnectionsPerHost: settings.concurrency))
            case .twilio(let settings):
                let token = try settings.authToken.resolve(environment: environment)
                routes[name] = SenderRoute(
                    sender: TwilioSender(name: name, settings: settings, authToken: token),
                    transport: try CurlTransport(
                        totalTimeout: settings.timeout, maxConnectionsPerHost: settings.concurrency))
            }
        }
        return routes
    }
}
