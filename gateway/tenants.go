package gateway

import (
	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway/tenant"
)

// openTenants opens the tenant origin files of a block with origins_from: the block's
// effective policy with each tenant's origins, reloaded as the files change.
func (g *Gateway) openTenants(c *corsDef) (*tenant.Set, error) {
	onError, err := tenant.ParseOnError(c.originsFrom.onError)
	if err != nil {
		return nil, err
	}
	return tenant.Open(c.originsFrom.file, c.eff.fetchConfig(), tenant.Options{
		OnError: onError,
		Logger:  g.log,
		Observe: func(_ string, ok bool, _ error) {
			if g.metrics != nil {
				g.metrics.TenantLoad(ok)
			}
		},
	})
}

// denyAll is the policy of a tenant without usable origins: the block's policy with no
// origin and no origin pattern.
func denyAll(c *corsDef) (*fetch.Policy, error) {
	none := c.eff.fetchConfig()
	none.Origins, none.OriginPatterns = nil, nil
	return fetch.Compile(none)
}
