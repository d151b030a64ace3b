import { ApiError, NETWORK_ERROR } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';

/** An API error said in words: what happened, the API's code and the request id to quote. */
export function ErrorBox({ error, onRetry }: { error: ApiError | Error | null; onRetry?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(0, 'CONSOLE_ERROR', error.message);
  let text: string;
  if (e.code === NETWORK_ERROR) text = t('error.network', { message: e.message });
  else if (e.status === 401) text = t('error.unauthorized');
  else if (e.status === 403) text = `${t('error.forbidden')} ${e.message}`;
  else if (e.status === 404) text = `${t('error.notFound')} ${e.message}`;
  else text = t('error.generic', { status: e.status, message: e.message });
  return (
    <div class="error" role="alert" data-error-code={e.code}>
      <strong>{t('error.title')}</strong>
      <p>{text}</p>
      <p class="muted">
        {t('error.code', { code: e.code })}
        {e.requestId ? ` · ${t('error.request', { id: e.requestId })}` : ''}
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('app.retry')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p class="muted" aria-live="polite">
      {t('app.loading')}
    </p>
  );
}
