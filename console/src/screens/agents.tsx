import { useState } from 'preact/hooks';
import { type ApiError, api, getAll } from '../api/client.ts';
import type { Agent } from '../api/types.ts';
import { ErrorBox, Loading } from '../components/error-box.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { useAsync } from '../use-async.ts';

export function AgentsScreen() {
  const { t, f } = useI18n();
  const { can } = useSession();
  const agents = useAsync(() => getAll<Agent>('/v1/agents', {}, 10_000), []);
  const [codes, setCodes] = useState<Record<string, { code: string; expiresAt: string }>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const enroll = async (site: string) => {
    setError(null);
    try {
      const c = await api.post<{ code: string; expiresAt: string }>(
        `/v1/sites/${encodeURIComponent(site)}/enroll-codes`,
      );
      setCodes((m) => ({ ...m, [site]: c }));
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <main id="main">
      <h1>{t('agents.title')}</h1>
      <ErrorBox error={agents.error} onRetry={agents.reload} />
      <ErrorBox error={error} />
      {agents.loading && !agents.data && <Loading />}
      {agents.data && agents.data.length === 0 && <p class="muted">{t('app.empty')}</p>}
      {agents.data && agents.data.length > 0 && (
        <div class="scroll-x">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('fleet.site')}</th>
                <th scope="col">{t('agents.agent')}</th>
                <th scope="col">{t('agents.version')}</th>
                <th scope="col">{t('agents.config')}</th>
                <th scope="col">{t('agents.uptime')}</th>
                <th scope="col" class="num">
                  {t('agents.buffer')}
                </th>
                <th scope="col">{t('agents.oldest')}</th>
                <th scope="col">{t('agents.heartbeat')}</th>
                <th scope="col">{t('agents.flags')}</th>
                <th scope="col">{t('agents.lastError')}</th>
                {can('agents.enroll') && <th scope="col">{t('agents.enroll')}</th>}
              </tr>
            </thead>
            <tbody>
              {agents.data.map((a) => (
                <tr key={`${a.site}/${a.agentId}`}>
                  <td>
                    <a href={`/sites/${encodeURIComponent(a.site)}`}>{a.site}</a>
                  </td>
                  <td>{a.agentId}</td>
                  <td>{a.version}</td>
                  <td>{a.configVersion ?? '—'}</td>
                  <td>{f.duration(a.uptimeS)}</td>
                  <td class="num">{f.number(a.bufferDepth, 0)}</td>
                  <td>{f.ago(a.oldestBufferedAt)}</td>
                  <td>{f.ago(a.lastHeartbeatAt)}</td>
                  <td>
                    {a.flags.map((fl) => (
                      <span key={fl} class={`badge flag-${fl}`}>
                        {t(`agents.flag.${fl}`)}
                      </span>
                    ))}
                  </td>
                  <td>{a.lastError ?? ''}</td>
                  {can('agents.enroll') && (
                    <td>
                      {codes[a.site] ? (
                        <code>
                          {t('agents.enrollCode', {
                            code: codes[a.site]?.code ?? '',
                            when: f.date(codes[a.site]?.expiresAt ?? null),
                          })}
                        </code>
                      ) : (
                        <button type="button" onClick={() => enroll(a.site)}>
                          {t('agents.enroll')}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
