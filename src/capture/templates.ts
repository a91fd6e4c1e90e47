import type { CaptureRequestDto } from './dto/capture-request.dto';
import type { TEMPLATE_NAMES } from './dto/capture-request.dto';

type Preset = Partial<Omit<CaptureRequestDto, 'template' | 'url' | 'html_content'>>;

/**
 * Named presets. A template only fills fields the request leaves out; the
 * request always wins. Device presets use the CSS viewport and pixel ratio
 * of the real device and a user agent of its platform.
 */
export const TEMPLATES: Record<(typeof TEMPLATE_NAMES)[number], Preset> = {
  mobile: {
    window_width: 390,
    window_height: 844,
    pixel_density: 3,
    user_agent_device: 'mobile',
    user_agent_platform: 'android',
    user_agent_browser: 'chrome',
  },
  desktop_full: { window_width: 1920, window_height: 1080, full_page: true },
  article_pdf: {
    format: 'pdf',
    pdf_format: 'A4',
    pdf_print_background: true,
    full_page: true,
    block_cookie_banners: true,
    block_popups: true,
    pdf_margin_top: '15mm',
    pdf_margin_right: '15mm',
    pdf_margin_bottom: '15mm',
    pdf_margin_left: '15mm',
  },
  iphone_13: {
    window_width: 390,
    window_height: 844,
    pixel_density: 3,
    user_agent_device: 'mobile',
    user_agent_platform: 'ios',
    user_agent_browser: 'safari',
  },
  ipad: {
    window_width: 820,
    window_height: 1180,
    pixel_density: 2,
    user_agent_device: 'mobile',
    user_agent_platform: 'ios',
    user_agent_browser: 'safari',
  },
  pixel_7: {
    window_width: 412,
    window_height: 915,
    pixel_density: 2.625,
    user_agent_device: 'mobile',
    user_agent_platform: 'android',
    user_agent_browser: 'chrome',
  },
};
