import CarelineTesting
import Foundation
import Testing

@testable import CarelineCore

@Suite("Secret")
struct SecretTests {
    static let file = "/etc/careline/careline.toml"
    static let location = SourceLocation(line: 4, column: 10)

    static func secret(_ text: String, configurationFile: String = file) -> Secret {
        Secret(
            parsing: text, key: "senders.hook.secret", configurationFile: configurationFile,
            location: location)
    }

    static func resolveError(_ secret: Secret, _ environment: [String: String]) -> ConfigurationError? {
        do throws(ConfigurationError) {
            _ = try secret.resolve(environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func environmentVariableSet() throws {
        let secret = Self.secret("env:CARELINE_WEBHOOK_SECRET")
        #expect(secret.source == .environment("CARELINE_WEBHOOK_SECRET"))
        #expect(try secret.resolve(environment: ["CARELINE_WEBHOOK_SECRET": "whsec_abc"]) == "whsec_abc")
        #expect(secret.description == "env:CARELINE_WEBHOOK_SECRET")
    }

    @Test func environmentVariableUnsetSaysWhatToDo() throws {
        let error = try #require(
            Self.resolveError(Self.secret("env:CARELINE_WEBHOOK_SECRET"), ["OTHER": "x"]))
        #expect(
            error.description
                == "/etc/careline/careline.toml:4:10: senders.hook.secret: environment variable "
                + "CARELINE_WEBHOOK_SECRET is not set; export it or use file:PATH")
        #expect(error.code == .invalidValue)
    }

    @Test func environmentVariableEmpty() throws {
        let error = try #require(Self.resolveError(Self.secret("env:TOKEN"), ["TOKEN": ""]))
        #expect(
            error.message == "environment variable TOKEN is empty; export the secret in it or use file:PATH")
    }

    @Test func fileRelativeToTheConfigurationFolderTrimmed() throws {
        let folder = try TemporaryDirectory()
        try folder.write("secrets/hook.key", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
        let secret = Self.secret("file:secrets/hook.key", configurationFile: folder.path("careline.toml"))
        #expect(secret.source == .file(folder.path("secrets/hook.key")))
        #expect(try secret.resolve(environment: [:]) == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(secret.description == "file:\(folder.path("secrets/hook.key"))")
    }

    @Test func fileMissingOrEmpty() throws {
        let folder = try TemporaryDirectory()
        let missing = Self.secret("file:\(folder.path("none.key"))")
        let error = try #require(Self.resolveError(missing, [:]))
        #expect(
            error.message
                == "secret file \(folder.path("none.key")) does not exist; create it with the secret on one line, "
                + "readable only by careline (chmod 600)")
        #expect(error.location == Self.location)
        try folder.write("empty.key", " \n")
        let empty = try #require(Self.resolveError(Self.secret("file:\(folder.path("empty.key"))"), [:]))
        #expect(empty.message == "secret file \(folder.path("empty.key")) is empty; write the secret into it")
    }

    @Test func literalIsResolvedButNeverShown() throws {
        let value = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
        let secret = Self.secret(value)
        #expect(try secret.resolve(environment: [:]) == value)
        #expect(secret.description == "literal (hidden)")
        #expect(String(reflecting: secret) == "Secret(literal (hidden))")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("C2FVsBQ"))
        let settings = WebhookSettings(url: "https://example.org", secret: secret)
        #expect(!String(describing: settings).contains("C2FVsBQ"))
        #expect(!String(reflecting: SenderSettings.webhook(settings)).contains("C2FVsBQ"))
    }

    @Test func badWebhookSecretIsReportedWithoutItsValue() throws {
        let settings = WebhookSettings(url: "https://example.org", secret: Self.secret("env:HOOK"))
        #expect(try settings.signingKey(resolved: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").count == 24)
        do throws(ConfigurationError) {
            _ = try settings.signingKey(resolved: "not-a-whsec-value")
            Issue.record("accepted a secret without whsec_")
        } catch {
            #expect(
                error.description
                    == "/etc/careline/careline.toml:4:10: senders.hook.secret: the secret (env:HOOK) must be "
                    + "whsec_ followed by base64 of at least 16 random bytes, as a Standard Webhooks receiver shows it"
            )
            #expect(!error.description.contains("not-a-whsec-value"))
        }
    }

    @Test(
        arguments: [
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0"),
            ("whsec_AAECAwQFBgcICQoLDA0ODw", "000102030405060708090a0b0c0d0e0f"),
            ("whsec_AAECAwQFBgcICQoLDA0ODw==", "000102030405060708090a0b0c0d0e0f"),
            ("whsec_", nil), ("whsec_AAECAwQFBgcICQoLDA0O", nil), ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", nil),
            ("whsec_!!!!", nil),
        ] as [(String, String?)])
    func signingKeyDecoding(secret: String, hex: String?) {
        let key = WebhookSettings.signingKey(fromSecret: secret)
        #expect(key.map { $0.map { String(format: "%02x", $0) }.joined() } == hex)
    }
}
