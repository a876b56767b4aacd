import { Spinner } from '../components/Spinner';

export function FullPageSpinner() {
  return (
    <div class="full-page-center">
      <Spinner size={20} />
    </div>
  );
}
