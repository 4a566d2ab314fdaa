import type { Clock } from '#shared/ports/clock';
import type { Provider, ProviderAdapter, ProvidersConfig } from '../providers';
import type { CustomField } from '#shared/lists/fields';
import { createDonusAdapter, donusFields } from './donus';
import { createSixshopAdapter, sixshopFields } from './sixshop';

/** The adapter of a provider, built from its configuration. */
export function adapterFor(config: ProvidersConfig, provider: Provider, clock: Clock): ProviderAdapter {
  return provider === 'sixshop' ? createSixshopAdapter(config.sixshop, clock) : createDonusAdapter(config.donus, clock);
}

/** The fields a linked list of each provider has (what its adapter fills). */
export const providerFields: Record<Provider, readonly CustomField[]> = { sixshop: sixshopFields, donus: donusFields };
