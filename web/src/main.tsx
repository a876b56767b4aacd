import { render } from 'solid-js/web';
import { App } from './app/App';
import './styles/tokens.css';
import './styles/base.css';
import './styles/components.css';
import './styles/layout.css';
import './styles/pages.css';
import './styles/workspace.css';
import './styles/terminal.css';

render(() => <App />, document.getElementById('root')!);
