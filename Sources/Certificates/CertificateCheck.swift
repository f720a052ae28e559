#if canImport(Glibc)
import Glibc
#endif
internal import COpenSSL

/// What is wrong with a PEM certificate, key or CA bundle, in words a person can act on.
public struct CertificateProblem: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Reads PEM certificates and keys with OpenSSL before the gRPC core is handed them: the
/// core only says that it could not listen (or, on a client, that the handshake failed),
/// never which file is wrong or why.
public enum CertificateCheck {
    /// Checks an identity (a server's, or a client's for mutual TLS): `chain` holds at least
    /// one certificate, `key` is a readable private key and belongs to the first
    /// certificate, and that certificate is valid at `now` (seconds since 1970).
    /// `chainName`/`keyName` name the files in messages.
    public static func identity(chain: String, key: String, chainName: String, keyName: String,
                                now: Int? = nil) throws(CertificateProblem) {
        let certificates = try readCertificates(chain, name: chainName)
        defer { certificates.forEach { X509_free($0) } }
        let privateKey = try readKey(key, name: keyName)
        defer { EVP_PKEY_free(privateKey) }
        let leaf = certificates[0]
        if X509_check_private_key(leaf, privateKey) != 1 {
            ERR_clear_error()
            throw CertificateProblem("\(keyName) is not the private key of the certificate in \(chainName) (\(subject(of: leaf)))")
        }
        try checkValidity(leaf, name: chainName, now: now)
    }

    /// Checks a bundle of trusted CA certificates: at least one, each readable and valid at `now`.
    public static func authority(_ pem: String, name: String, now: Int? = nil) throws(CertificateProblem) {
        let certificates = try readCertificates(pem, name: name)
        defer { certificates.forEach { X509_free($0) } }
        for certificate in certificates { try checkValidity(certificate, name: name, now: now) }
    }

    // MARK: OpenSSL, confined here

    private static func readCertificates(_ pem: String, name: String) throws(CertificateProblem) -> [OpaquePointer] {
        var certificates: [OpaquePointer] = []
        let failure: String? = withMemoryBIO(pem) { bio in
            ERR_clear_error()
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { certificates.append(certificate) }
            // The loop ends at the end of the input ("no start line") or at a broken block.
            let error = ERR_peek_last_error()
            ERR_clear_error()
            let endOfInput = ERR_GET_REASON(error) == PEM_R_NO_START_LINE
            return certificates.isEmpty || endOfInput ? nil : reason(error)
        }
        if let failure {
            certificates.forEach { X509_free($0) }
            throw CertificateProblem("\(name): a certificate could not be read (\(failure))")
        }
        if certificates.isEmpty {
            throw CertificateProblem("\(name) holds no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)")
        }
        return certificates
    }

    private static func readKey(_ pem: String, name: String) throws(CertificateProblem) -> OpaquePointer {
        var failure = ""
        let key: OpaquePointer? = withMemoryBIO(pem) { bio in
            ERR_clear_error()
            let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil)
            if key == nil { failure = reason(ERR_peek_last_error()) }
            ERR_clear_error()
            return key
        }
        guard let key else {
            throw CertificateProblem("\(name) holds no readable PEM private key (\(failure); an encrypted key must be decrypted first)")
        }
        return key
    }

    private static func checkValidity(_ certificate: OpaquePointer, name: String, now: Int?) throws(CertificateProblem) {
        var moment = now.map { time_t($0) } ?? time(nil)
        if let notAfter = X509_get0_notAfter(certificate), X509_cmp_time(notAfter, &moment) < 0 {
            throw CertificateProblem("\(name): the certificate (\(subject(of: certificate))) expired on \(date(notAfter)); renew it")
        }
        if let notBefore = X509_get0_notBefore(certificate), X509_cmp_time(notBefore, &moment) > 0 {
            throw CertificateProblem("\(name): the certificate (\(subject(of: certificate))) is not valid before \(date(notBefore))")
        }
    }

    private static func withMemoryBIO<T>(_ text: String, _ body: (OpaquePointer) -> T) -> T {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { raw in
            let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count))!
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    private static func subject(of certificate: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard X509_NAME_oneline(X509_get_subject_name(certificate), &buffer, Int32(buffer.count)) != nil else { return "?" }
        return String(cString: buffer)
    }

    /// "2026-12-04 10:00 UTC".
    private static func date(_ time: UnsafePointer<ASN1_TIME>) -> String {
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return "an unreadable date" }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
    }

    private static func reason(_ error: UInt) -> String {
        guard error != 0, let text = ERR_reason_error_string(error) else { return "not PEM" }
        return String(cString: text)
    }
}
