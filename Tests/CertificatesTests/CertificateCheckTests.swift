#if canImport(Glibc)
import Glibc
#endif
import Certificates
import XCTest

/// Certificates made by openssl for each run: a CA, a server identity signed by it, a key
/// of another identity, and a certificate that expired in 2020.
final class CertificateCheckTests: XCTestCase {
    struct Files { let ca, certificate, key, otherKey, expired: String }

    static let files: Files? = {
        let dir = "/tmp/seedrl-certcheck-\(getpid())"
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        let script = """
            set -e; rm -rf \(dir); mkdir -p \(dir); cd \(dir)
            openssl req -x509 \(ec) -keyout ca.key -out ca.pem -days 1 -subj /CN=seedrl-test-ca 2>/dev/null
            openssl req \(ec) -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 2>/dev/null
            openssl req \(ec) -keyout other.key -out other.csr -subj /CN=other 2>/dev/null
            touch index.txt; echo 01 > serial
            printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\nnew_certs_dir=.\\nserial=serial\\npolicy=p\\ndefault_md=sha256\\n[p]\\ncommonName=supplied\\n' > ca.cnf
            openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in server.csr -out expired.pem \\
                -startdate 20200101000000Z -enddate 20200102000000Z >/dev/null 2>&1
            """
        guard system(script) == 0 else { return nil }
        defer { _ = system("rm -rf \(dir)") }
        func read(_ name: String) -> String {
            guard let file = fopen("\(dir)/\(name)", "r") else { return "" }
            defer { fclose(file) }
            var text = "", buffer = [CChar](repeating: 0, count: 4096)
            while fgets(&buffer, Int32(buffer.count), file) != nil { text += String(cString: buffer) }
            return text
        }
        return Files(ca: read("ca.pem"), certificate: read("server.pem"), key: read("server.key"),
                     otherKey: read("other.key"), expired: read("expired.pem"))
    }()

    private func files() throws -> Files {
        guard let files = Self.files else { throw XCTSkip("openssl could not make test certificates") }
        return files
    }

    private func problem(_ body: () throws(CertificateProblem) -> Void) -> String? {
        do { try body(); return nil } catch { return error.description }
    }

    func testAMatchingCurrentIdentityPasses() throws {
        let f = try files()
        XCTAssertNil(problem { () throws(CertificateProblem) in
            try CertificateCheck.identity(chain: f.certificate + f.ca, key: f.key, chainName: "cert.pem", keyName: "key.pem")
            try CertificateCheck.authority(f.ca, name: "ca.pem")
        })
    }

    func testAKeyOfAnotherCertificateIsNamed() throws {
        let f = try files()
        XCTAssertEqual(problem { () throws(CertificateProblem) in
            try CertificateCheck.identity(chain: f.certificate, key: f.otherKey, chainName: "cert.pem", keyName: "key.pem")
        }, "key.pem is not the private key of the certificate in cert.pem (/CN=localhost)")
    }

    func testAnExpiredCertificateSaysWhen() throws {
        let f = try files()
        XCTAssertEqual(problem { () throws(CertificateProblem) in
            try CertificateCheck.identity(chain: f.expired, key: f.key, chainName: "cert.pem", keyName: "key.pem")
        }, "cert.pem: the certificate (/CN=localhost) expired on 2020-01-02 00:00 UTC; renew it")
        // The same check, by the clock: a one-day certificate two days from now.
        let inTwoDays = Int(time(nil)) + 2 * 86_400
        XCTAssertEqual(problem { () throws(CertificateProblem) in
            try CertificateCheck.authority(f.ca, name: "ca.pem", now: inTwoDays)
        }?.hasPrefix("ca.pem: the certificate (/CN=seedrl-test-ca) expired on "), true)
        XCTAssertEqual(problem { () throws(CertificateProblem) in
            try CertificateCheck.authority(f.ca, name: "ca.pem", now: Int(time(nil)) - 86_400)
        }?.hasPrefix("ca.pem: the certificate (/CN=seedrl-test-ca) is not valid before "), true)
    }

    func testFilesThatAreNotPEMAreNamed() throws {
        let f = try files()
        XCTAssertEqual(problem { () throws(CertificateProblem) in
            try CertificateCheck.identity(chain: "hello", key: f.key, chainName: "cert.pem", keyName: "key.pem")
        }, "cert.pem holds no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)")
        XCTAssertEqual(problem { () throws(CertificateProblem) in
            try CertificateCheck.identity(chain: f.certificate, key: f.certificate, chainName: "cert.pem", keyName: "key.pem")
        }?.hasPrefix("key.pem holds no readable PEM private key ("), true, "a certificate given as the key")
        let broken = f.certificate.replacingOccurrences(of: "\n", with: "\n!", options: [], range: nil)
        XCTAssertNotNil(problem { () throws(CertificateProblem) in
            try CertificateCheck.authority(broken, name: "ca.pem")
        })
    }
}
