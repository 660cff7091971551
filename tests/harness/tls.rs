//! Throw-away certificates for TLS tests: a CA and a server certificate for 127.0.0.1,
//! made with the openssl command-line tool.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct TestCerts {
    pub dir: Arc<tempfile::TempDir>,
}

impl TestCerts {
    pub fn generate() -> TestCerts {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("openssl is installed");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        std::fs::write(dir.path().join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=rclust test CA",
        ]);
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ]);
        TestCerts { dir: Arc::new(dir) }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// redis.conf lines for a TLS-only node (cluster bus and replication over TLS too).
    pub fn redis_conf(&self, port: u16) -> String {
        format!(
            "tls-port {port}\ntls-cert-file {}\ntls-key-file {}\ntls-ca-cert-file {}\ntls-auth-clients no\ntls-cluster yes\ntls-replication yes\n",
            self.path("server.crt").display(),
            self.path("server.key").display(),
            self.path("ca.crt").display()
        )
    }

    /// A client that trusts the test CA.
    pub fn client(&self, url: &str) -> redis::RedisResult<redis::Client> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        redis::Client::build_with_tls(
            url,
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(std::fs::read(self.path("ca.crt")).unwrap()),
            },
        )
    }
}
