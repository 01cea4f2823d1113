/**
 * Canonical form of a metric name or CSV header: lowercase, then every character that is not a
 * letter or a digit dropped. `CommunicationFrequency`, `communication_frequency` and
 * `Communication Frequency` all become `communicationfrequency`.
 */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}
