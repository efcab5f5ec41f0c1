package config

import (
	"strings"
	"testing"
	"time"
)

func valid() Config {
	return Config{HTTPAddr: "127.0.0.1:8080", MetricsAddr: "127.0.0.1:9200", RegistryAddr: "r:1", RoadmapAddr: "m:2",
		IndicatorsAddr: "i:3", RequestTimeout: time.Second, MaxBodyBytes: 1 << 20, ShutdownTimeout: time.Second, LogLevel: "info",
		IdentityKey:  "bmFzdGF2bmlrLXRlc3QtaWRlbnRpdHkta2V5LTAxMjM0NTY3ODlhYmNkZWY=",
		AuthCacheTTL: 5 * time.Second, AuthCacheSize: 100, WriteQueueWait: time.Second / 2}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"valid", func(*Config) {}, nil},
		{"everything wrong", func(c *Config) {
			c.HTTPAddr, c.RegistryAddr, c.RequestTimeout, c.MaxBodyBytes, c.LogLevel = "8080", "", 0, 10, "chatty"
			c.IdentityKey = "c2hvcnQ="
			c.AuthCacheTTL, c.AuthCacheSize = time.Minute, 0
			c.WriteQueueWait = 0
		}, []string{"HTTP_ADDR", "REGISTRY_ADDR", "REQUEST_TIMEOUT", "MAX_BODY_BYTES", "LOG_LEVEL", "IDENTITY_KEY", "AUTH_CACHE_TTL", "AUTH_CACHE_SIZE", "WRITE_QUEUE_WAIT"}},
		{"writes limited", func(c *Config) { c.WriteConcurrency = 4 }, nil},
		{"negative writes", func(c *Config) { c.WriteConcurrency = -1 }, []string{"WRITE_CONCURRENCY"}},
		{"writes limited while reading", func(c *Config) { c.WriteConcurrencyReading = 2 }, nil},
		{"negative writes while reading", func(c *Config) { c.WriteConcurrencyReading = -1 }, []string{"WRITE_CONCURRENCY_READING"}},
		{"writes wait longer than a request lasts", func(c *Config) { c.WriteQueueWait = c.RequestTimeout }, []string{"WRITE_QUEUE_WAIT"}},
		{"cache off", func(c *Config) { c.AuthCacheTTL = 0 }, nil},
	}
	for _, tc := range tests {
		c := valid()
		tc.mutate(&c)
		err := c.Validate()
		if (err == nil) != (tc.want == nil) {
			t.Fatalf("%s: Validate() = %v", tc.name, err)
		}
		for _, name := range tc.want {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("%s: Validate() = %q, want it to name %s", tc.name, err, name)
			}
		}
	}
}
